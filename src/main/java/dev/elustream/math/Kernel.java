package dev.elustream.math;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Which implementation an activation's array methods use: the JDK Vector API
 * ({@code jdk.incubator.vector}) or plain scalar loops. Both give results within 2 ulp of the
 * correctly rounded values; the choice changes the speed and at most the last bits.
 *
 * <p>{@link #AUTO} resolves once per JVM, to {@link #active()}: the system property
 * {@value #PROPERTY} ({@code auto}, {@code scalar} or {@code vector}) decides if set; with
 * {@code auto} or no property, VECTOR is chosen when {@link #vectorUsable()} holds, else SCALAR.
 *
 * <p>The vector path is only usable when it is fast, which a few cheap start-up checks decide
 * (no timing, which would be noisy and need a warmed-up compiler): the module
 * {@code jdk.incubator.vector} is in the boot layer (java started with
 * {@code --add-modules jdk.incubator.vector}); the JDK's vector math library ({@code libjsvml} in
 * {@code $JAVA_HOME/lib}), without which the lanewise exp and expm1 are 35-75 times slower than
 * scalar, is present; the preferred species holds at least 4 doubles (256-bit AVX2 or AVX-512:
 * the library's fast entry points); and the JVM is not interpreter-only ({@code -Xint}). A JVM
 * that passes them and still turns out slow (e.g. started with {@code -XX:TieredStopAtLevel=1})
 * can be forced to scalar with {@code -Delu.kernel=scalar}.
 */
public enum Kernel {
    /** {@link #active()}: the property's choice, else VECTOR if usable, else SCALAR. */
    AUTO,
    /** Scalar loops over {@link Math#expm1} and {@link Math#exp}: works on every JVM. */
    SCALAR,
    /** {@code DoubleVector} lanewise EXPM1 and EXP; only where {@link #vectorUsable()} holds. */
    VECTOR;

    /** The system property that chooses what {@link #AUTO} resolves to: auto, scalar or vector. */
    public static final String PROPERTY = "elu.kernel";

    static final String MODULE = "jdk.incubator.vector";

    /**
     * SCALAR or VECTOR: what this kernel means on this JVM.
     *
     * @throws IllegalStateException if the vector path is asked for (as VECTOR, or AUTO with
     *     {@code -Delu.kernel=vector}) and is not usable, with the reason
     * @throws IllegalArgumentException if AUTO and the property has a value other than auto,
     *     scalar or vector
     */
    public Kernel resolve() {
        return switch (this) {
            case SCALAR -> SCALAR;
            case VECTOR -> {
                requireVector();
                yield VECTOR;
            }
            case AUTO -> active();
        };
    }

    /**
     * What {@link #AUTO} resolves to on this JVM (SCALAR or VECTOR), decided once.
     *
     * @throws IllegalStateException if {@code -Delu.kernel=vector} is set and the vector path is
     *     not usable
     * @throws IllegalArgumentException if the property is set to something other than auto,
     *     scalar or vector, naming the value
     */
    public static Kernel active() {
        return Auto.choose(System.getProperty(PROPERTY));
    }

    /**
     * One line for a start-up log saying what {@link #AUTO} resolves to and why, e.g.
     * {@code vector (DoubleVector, 8 lanes)} or {@code scalar (jdk.incubator.vector not loaded:
     * start java with --add-modules jdk.incubator.vector)}.
     *
     * @throws IllegalStateException as {@link #active()}
     * @throws IllegalArgumentException as {@link #active()}
     */
    public static String describeActive() {
        String property = System.getProperty(PROPERTY);
        Kernel kernel = Auto.choose(property);
        if (kernel == VECTOR) {
            return "vector (DoubleVector, " + Auto.LANES + " lanes)";
        }
        return Auto.UNUSABLE_REASON == null
                ? "scalar (" + PROPERTY + "=" + property.trim() + ")"
                : "scalar (" + Auto.UNUSABLE_REASON + ")";
    }

    /** Whether the vector path is usable (and fast) on this JVM: see the class comment. */
    public static boolean vectorUsable() {
        return Auto.UNUSABLE_REASON == null;
    }

    /** Why the vector path is not usable on this JVM, or empty if it is. */
    public static Optional<String> vectorUnusableReason() {
        return Optional.ofNullable(Auto.UNUSABLE_REASON);
    }

    private static void requireVector() {
        if (Auto.UNUSABLE_REASON != null) {
            throw new IllegalStateException("the vector ELU kernel is not usable: " + Auto.UNUSABLE_REASON);
        }
    }

    /** The checks, run once when first needed; vector classes are loaded only if the module is there. */
    private static final class Auto {
        /** null if the vector path is usable. */
        static final String UNUSABLE_REASON;
        /** The preferred species' length in doubles, 0 without the module. */
        static final int LANES;

        static {
            int lanes = 0;
            String reason;
            if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
                reason = MODULE + " not loaded: start java with --add-modules " + MODULE;
            } else {
                // only now may a class that links against the module be loaded
                lanes = VectorKernels.lanes();
                Path svml = Path.of(System.getProperty("java.home"), "lib", System.mapLibraryName("jsvml"));
                String vmInfo = System.getProperty("java.vm.info", "");
                if (lanes < 4) {
                    reason = "the preferred vector species holds " + lanes
                            + " doubles, fewer than 4 (no AVX2 or AVX-512), where vector exp is slower than scalar";
                } else if (!Files.isRegularFile(svml)) {
                    reason = "the JDK has no vector math library (" + svml
                            + "), without which vector exp is slower than scalar";
                } else if (vmInfo.contains("interpreted")) {
                    reason = "the JVM runs interpreted only (-Xint), where vector code is slower than scalar";
                } else {
                    reason = null;
                }
            }
            UNUSABLE_REASON = reason;
            LANES = lanes;
        }

        static Kernel choose(String property) {
            String choice = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
            switch (choice) {
                case "scalar":
                    return SCALAR;
                case "vector":
                    requireVector();
                    return VECTOR;
                case "auto":
                    return UNUSABLE_REASON == null ? VECTOR : SCALAR;
                default:
                    throw new IllegalArgumentException(
                            PROPERTY + " must be one of auto, scalar, vector, got '" + property + "'");
            }
        }
    }
}
