package dev.elustream.math;

/**
 * The one way to get a member of the ELU family from its kind and alpha, with each kind's rule for
 * alpha: ELU finite and &gt;= 0; CELU finite and &gt; 0 (it divides by alpha); SELU has fixed
 * constants and takes only its own {@link ActivationKind#SELU_ALPHA}. ELU and CELU also take one
 * alpha per element ({@link Alpha#perElement}), each element under the kind's rule; SELU does not.
 */
public final class Activations {

    private Activations() {}

    /**
     * Returns the activation of the given kind.
     *
     * @param kind which member of the family
     * @param alpha its alpha, valid for the kind (see {@link #checkAlpha})
     * @throws IllegalArgumentException if alpha is not valid for the kind, naming kind and value
     * @throws NullPointerException if kind is null
     */
    public static ActivationFunction of(ActivationKind kind, double alpha) {
        return of(kind, alpha, Kernel.AUTO);
    }

    /**
     * Returns the activation of the given kind whose array methods run on the given kernel. CELU
     * has no vector kernel yet: it runs scalar whatever the kernel, but VECTOR is still checked.
     *
     * @param kind which member of the family
     * @param alpha its alpha, valid for the kind (see {@link #checkAlpha})
     * @param kernel the kernel of the array methods; AUTO as {@link Kernel#active()}
     * @throws IllegalArgumentException if alpha is not valid for the kind, naming kind and value
     * @throws IllegalStateException if the kernel resolves to VECTOR and that is not usable
     * @throws NullPointerException if kind or kernel is null
     */
    public static ActivationFunction of(ActivationKind kind, double alpha, Kernel kernel) {
        checkAlpha(kind, alpha);
        Kernel resolved = kernel.resolve();
        return switch (kind) {
            case ELU -> Elu.withAlpha(alpha, resolved);
            case SELU -> Selu.instance(resolved);
            case CELU -> Celu.withAlpha(alpha);
        };
    }

    /**
     * Returns the activation of the given kind and alpha, on the {@link Kernel#AUTO AUTO} kernel: as
     * {@link #of(ActivationKind, Alpha, Kernel)}.
     */
    public static ArrayActivation of(ActivationKind kind, Alpha alpha) {
        return of(kind, alpha, Kernel.AUTO);
    }

    /**
     * Returns the activation of the given kind and alpha whose array methods run on the given kernel:
     * for a scalar alpha, what {@link #of(ActivationKind, double, Kernel) of(kind, alpha.value(),
     * kernel)} returns; for a per-element alpha (ELU and CELU only), a {@link PerElementActivation}.
     *
     * @param kind which member of the family
     * @param alpha its alpha, valid for the kind (see {@link #checkAlpha(ActivationKind, Alpha)})
     * @param kernel the kernel of the array methods; AUTO as {@link Kernel#active()}
     * @throws IllegalArgumentException if alpha is not valid for the kind, naming kind and value (and
     *     the element, per element)
     * @throws IllegalStateException if the kernel resolves to VECTOR and that is not usable
     * @throws NullPointerException if kind, alpha or kernel is null
     */
    public static ArrayActivation of(ActivationKind kind, Alpha alpha, Kernel kernel) {
        if (!alpha.isPerElement()) {
            return of(kind, alpha.value(), kernel);
        }
        checkAlpha(kind, alpha);
        return PerElementActivation.create(kind, alpha, kernel.resolve());
    }

    /** Returns the activation of the given kind with its {@link #defaultAlpha default alpha}. */
    public static ActivationFunction of(ActivationKind kind) {
        return of(kind, defaultAlpha(kind));
    }

    /** The alpha used when none is configured: 1.0 for ELU and CELU, SELU's constant for SELU. */
    public static double defaultAlpha(ActivationKind kind) {
        return kind == ActivationKind.SELU ? ActivationKind.SELU_ALPHA : Elu.DEFAULT_ALPHA;
    }

    /** Whether alpha is valid for the kind (the rule of {@link #checkAlpha}, without throwing). */
    public static boolean isValidAlpha(ActivationKind kind, double alpha) {
        // each comparison is false for NaN
        return switch (kind) {
            case ELU -> alpha >= 0.0 && alpha < Double.POSITIVE_INFINITY;
            case CELU -> alpha > 0.0 && alpha < Double.POSITIVE_INFINITY;
            // the same double, not merely an equal one: -0.0 or a rounding of it is not SELU's alpha
            case SELU -> Double.doubleToRawLongBits(alpha) == Double.doubleToRawLongBits(ActivationKind.SELU_ALPHA);
        };
    }

    /** The rule alpha must follow for the kind, for messages: "finite and >= 0", ... */
    public static String alphaRule(ActivationKind kind) {
        return switch (kind) {
            case ELU -> "finite and >= 0";
            case CELU -> "finite and > 0";
            case SELU -> "SELU's fixed " + ActivationKind.SELU_ALPHA;
        };
    }

    /**
     * Checks alpha for the kind.
     *
     * @throws IllegalArgumentException otherwise, e.g. {@code alpha must be finite and > 0 for
     *     activation celu, got 0.0}
     */
    public static void checkAlpha(ActivationKind kind, double alpha) {
        if (!isValidAlpha(kind, alpha)) {
            throw new IllegalArgumentException(
                    "alpha must be " + alphaRule(kind) + " for activation " + kind.id() + ", got " + alpha);
        }
    }

    /**
     * Whether alpha is valid for the kind (the rule of {@link #checkAlpha(ActivationKind, Alpha)},
     * without throwing): a scalar as {@link #isValidAlpha(ActivationKind, double)}; per element,
     * every element under that rule for ELU and CELU, never for SELU.
     */
    public static boolean isValidAlpha(ActivationKind kind, Alpha alpha) {
        if (!alpha.isPerElement()) {
            return isValidAlpha(kind, alpha.value());
        }
        return kind != ActivationKind.SELU && firstInvalidElement(kind, alpha) < 0;
    }

    /**
     * Checks alpha for the kind: a scalar as {@link #checkAlpha(ActivationKind, double)}; per
     * element, each element under the kind's rule (ELU, CELU), while SELU takes no per-element alpha.
     *
     * @throws IllegalArgumentException otherwise, naming the first bad element, e.g. {@code alpha[3]
     *     must be finite and >= 0 for activation elu, got -1.0}, or {@code activation selu has a
     *     fixed alpha and takes no per-element alpha, got [1.0, 2.0]}
     */
    public static void checkAlpha(ActivationKind kind, Alpha alpha) {
        if (!alpha.isPerElement()) {
            checkAlpha(kind, alpha.value());
            return;
        }
        if (kind == ActivationKind.SELU) {
            throw new IllegalArgumentException(
                    "activation selu has a fixed alpha and takes no per-element alpha, got " + alpha.abbreviated());
        }
        int i = firstInvalidElement(kind, alpha);
        if (i >= 0) {
            throw new IllegalArgumentException("alpha[" + i + "] must be " + alphaRule(kind) + " for activation "
                    + kind.id() + ", got " + alpha.at(i));
        }
    }

    /** The index of the first element of a per-element alpha that the kind refuses, or -1. */
    private static int firstInvalidElement(ActivationKind kind, Alpha alpha) {
        for (int i = 0; i < alpha.length(); i++) {
            if (!isValidAlpha(kind, alpha.at(i))) {
                return i;
            }
        }
        return -1;
    }
}
