package dev.elustream.math;

import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.elustream.math.ActivationReferenceTest.Row;
import dev.elustream.testing.Ulps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ELU (both kernels) and CELU with one alpha per element: every element against the correctly
 * rounded reference row of its x and its own alpha, in rows of dimension 1 to 64 (tails of every
 * length, several rows in one array), in place and not; and the scalar-alpha activation with that
 * element's alpha (bit for bit on the scalar kernel). The vector kernel is checked after C2 has
 * compiled it, as in {@link EluKernelTest}.
 */
class PerElementActivationTest {

    /** The distinct alphas of the reference files. */
    static final double[] CSV_ALPHAS = {0.1, 0.5, 1.0, ActivationKind.SELU_ALPHA, 2.0};
    /** Alphas the files do not have, computed by {@link ReferenceGenerator}: tiny, above 2 (exp's rescaling), huge. */
    static final double[] OTHER_ALPHAS = {5.8e-300, 1e-3, 2.5, 37.0, 1e300, 1.25};
    static final int[] DIMENSIONS = {1, 3, 5, 7, 8, 17, 64};

    /** What is under test: a kind on a kernel (CELU has no vector kernel). */
    enum Setup {
        ELU_SCALAR(ActivationKind.ELU, Kernel.SCALAR),
        ELU_VECTOR(ActivationKind.ELU, Kernel.VECTOR),
        CELU(ActivationKind.CELU, Kernel.SCALAR);

        final ActivationKind kind;
        final Kernel kernel;

        Setup(ActivationKind kind, Kernel kernel) {
            this.kind = kind;
            this.kernel = kernel;
        }

        PerElementActivation of(double[] alphas) {
            EluKernelTest.assumeUsable(kernel);
            return (PerElementActivation) Activations.of(kind, Alpha.perElement(alphas), kernel);
        }

        /** The scalar-alpha activation the elements must equal bit for bit, at the same index. */
        ActivationFunction scalar(double alpha) {
            return Activations.of(kind, alpha, kernel);
        }
    }

    private static final Map<List<Object>, Row> REFERENCES = new HashMap<>();

    @BeforeAll
    static void compileTheVectorKernels() {
        if (!Kernel.vectorUsable()) {
            return;
        }
        // every branch, the fix-up of underflowing lanes included, rows shorter and longer than a vector
        double[] x = new double[72];
        for (int i = 0; i < x.length; i++) {
            x[i] = EluKernelTest.SPECIAL_X[i % EluKernelTest.SPECIAL_X.length];
        }
        PerElementActivation[] perElement = {
            Setup.ELU_VECTOR.of(new double[] {3.0, 0.5, 1e300}), Setup.ELU_VECTOR.of(alphas(17, OTHER_ALPHAS, 0))};
        Elu elu = Elu.withAlpha(3.0, Kernel.VECTOR);
        double[] values = new double[x.length];
        double[] derivatives = new double[x.length];
        for (int i = 0; i < 20_000; i++) {
            for (ArrayActivation f : new ArrayActivation[] {perElement[0], perElement[1], elu}) {
                f.values(x, values, x.length);
                f.derivatives(x, derivatives, x.length);
                f.alphaGradients(x, values, x.length);
                f.valuesAndDerivatives(x, values, derivatives, x.length);
            }
        }
    }

    /** d alphas taken in turn from the pool, starting at shift. */
    static double[] alphas(int dimension, double[] pool, int shift) {
        double[] alphas = new double[dimension];
        for (int j = 0; j < dimension; j++) {
            alphas[j] = pool[(j + shift) % pool.length];
        }
        return alphas;
    }

    /** The rows of the kind's reference file, with ELU's alpha-gradients from their own file, by alpha. */
    static Map<Double, List<Row>> referenceRowsByAlpha(ActivationKind kind) throws IOException {
        List<Row> rows = ActivationReferenceTest.load(kind == ActivationKind.ELU ? ReferenceGenerator.ELU_FILE
                : ReferenceGenerator.CELU_FILE);
        if (kind == ActivationKind.ELU) {
            List<Row> gradients = ActivationReferenceTest.load(ReferenceGenerator.ELU_ALPHA_GRADIENT_FILE);
            List<Row> merged = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                assertThat(gradients.get(i).x()).isEqualTo(r.x());
                merged.add(new Row(r.x(), r.alpha(), r.value(), r.derivative(), gradients.get(i).alphaGradient()));
            }
            rows = merged;
        }
        Map<Double, List<Row>> byAlpha = new LinkedHashMap<>();
        for (Row r : rows) {
            byAlpha.computeIfAbsent(r.alpha(), a -> new ArrayList<>()).add(r);
        }
        return byAlpha;
    }

    /** The correctly rounded row at (x, alpha), for any x and any alpha the kind takes. */
    static Row expected(ActivationKind kind, double x, double alpha) {
        List<Object> key = List.of(kind, Double.doubleToRawLongBits(x), Double.doubleToRawLongBits(alpha));
        return REFERENCES.computeIfAbsent(key,
                k -> kind == ActivationKind.ELU ? EluKernelTest.expected(x, alpha) : celu(x, alpha));
    }

    private static Row celu(double x, double alpha) {
        if (Double.isNaN(x)) {
            return new Row(x, alpha, Double.NaN, Double.NaN, Double.NaN);
        }
        if (Double.isInfinite(x)) {
            // x for +inf; alpha*expm1(-inf) = -alpha, exp(-inf) = 0, expm1 - t*exp = -1 for -inf
            return x > 0 ? new Row(x, alpha, x, 1.0, 0.0) : new Row(x, alpha, -alpha, 0.0, -1.0);
        }
        ReferenceGenerator.Row r = ReferenceGenerator.celu(x, alpha);
        return new Row(x, alpha, r.value(), r.derivative(), r.alphaGradient());
    }

    /**
     * Every array form, into new arrays and in place, against rows[i] (the row of in[i] and element
     * i's alpha) within 2 ulp.
     */
    static void checkArrays(ArrayActivation f, Row[] rows, int length) {
        double[] x = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            x[i] = rows[i].x();
        }
        double[] values = new double[length];
        double[] derivatives = new double[length];
        double[] gradients = new double[length];
        double[] fusedValues = new double[length];
        double[] fusedDerivatives = new double[length];
        double[] inPlaceValues = x.clone();
        double[] inPlaceDerivatives = x.clone();
        double[] inPlaceGradients = x.clone();
        double[] inPlaceFused = x.clone();
        double[] inPlaceFusedDerivatives = new double[length];
        f.values(x, values, length);
        f.derivatives(x, derivatives, length);
        f.alphaGradients(x, gradients, length);
        f.valuesAndDerivatives(x, fusedValues, fusedDerivatives, length);
        f.values(inPlaceValues, inPlaceValues, length);
        f.derivatives(inPlaceDerivatives, inPlaceDerivatives, length);
        f.alphaGradients(inPlaceGradients, inPlaceGradients, length);
        f.valuesAndDerivatives(inPlaceFused, inPlaceFused, inPlaceFusedDerivatives, length);
        for (int i = 0; i < length; i++) {
            Row r = rows[i];
            String at = f + " x=" + x[i] + " alpha=" + r.alpha() + " at " + i + " of " + length;
            assertWithin2Ulp(values[i], r.value(), "values " + at);
            assertWithin2Ulp(derivatives[i], r.derivative(), "derivatives " + at);
            assertWithin2Ulp(gradients[i], r.alphaGradient(), "alphaGradients " + at);
            assertWithin2Ulp(fusedValues[i], r.value(), "fused value " + at);
            assertWithin2Ulp(fusedDerivatives[i], r.derivative(), "fused derivative " + at);
            assertWithin2Ulp(inPlaceValues[i], r.value(), "in-place values " + at);
            assertWithin2Ulp(inPlaceDerivatives[i], r.derivative(), "in-place derivatives " + at);
            assertWithin2Ulp(inPlaceGradients[i], r.alphaGradient(), "in-place alphaGradients " + at);
            assertWithin2Ulp(inPlaceFused[i], r.value(), "in-place fused value " + at);
            assertWithin2Ulp(inPlaceFusedDerivatives[i], r.derivative(), "in-place fused derivative " + at);
        }
        // nothing written past length
        for (int i = length; i < rows.length; i++) {
            assertThat(Double.doubleToRawLongBits(inPlaceValues[i])).isEqualTo(Double.doubleToRawLongBits(x[i]));
            assertThat(Double.doubleToRawLongBits(inPlaceFused[i])).isEqualTo(Double.doubleToRawLongBits(x[i]));
        }
    }

    @ParameterizedTest
    @EnumSource(Setup.class)
    void everyReferenceRowIsWithin2UlpWhereverItsAlphaSitsInARow(Setup setup) throws IOException {
        Map<Double, List<Row>> byAlpha = referenceRowsByAlpha(setup.kind);
        assertThat(byAlpha.keySet()).containsExactlyInAnyOrder(0.1, 0.5, 1.0, ActivationKind.SELU_ALPHA, 2.0);
        int checked = 0;
        for (int dimension : DIMENSIONS) {
            for (int shift = 0; shift < CSV_ALPHAS.length; shift++) {
                double[] alphas = alphas(dimension, CSV_ALPHAS, shift);
                // each row of the file goes to the next position that has its alpha, until every row
                // of those alphas is placed and the rows of the array are complete
                Map<Double, Integer> next = new HashMap<>();
                List<Row> placed = new ArrayList<>();
                while (placed.size() % dimension != 0 || !allPlaced(alphas, byAlpha, next)) {
                    double alpha = alphas[placed.size() % dimension];
                    List<Row> rows = byAlpha.get(alpha);
                    int k = next.merge(alpha, 1, Integer::sum) - 1;
                    placed.add(rows.get(k % rows.size()));
                }
                Row[] rows = placed.toArray(new Row[0]);
                PerElementActivation f = setup.of(alphas);
                assertThat(f.dimension()).isEqualTo(dimension);
                assertThat(rows.length / dimension).as("rows").isGreaterThanOrEqualTo(dimension == 64 ? 2 : 3);
                checkArrays(f, rows, rows.length);
                checked += rows.length;
            }
        }
        assertThat(checked).isGreaterThan(DIMENSIONS.length * 700);
    }

    private static boolean allPlaced(double[] alphas, Map<Double, List<Row>> byAlpha, Map<Double, Integer> next) {
        for (double alpha : alphas) {
            if (next.getOrDefault(alpha, 0) < byAlpha.get(alpha).size()) {
                return false;
            }
        }
        return true;
    }

    @ParameterizedTest
    @EnumSource(Setup.class)
    void specialValuesWithAlphasOutsideTheFilesAreWithin2UlpAtAnyLength(Setup setup) {
        double[] pool = setup.kind == ActivationKind.ELU ? append(OTHER_ALPHAS, 0.0) : OTHER_ALPHAS;
        double[] xs = EluKernelTest.SPECIAL_X;
        for (int dimension : DIMENSIONS) {
            double[] alphas = alphas(dimension, pool, dimension);
            PerElementActivation f = setup.of(alphas);
            // one row, three rows, and lengths that end inside a row: the first elements' alphas
            int[] lengths = {1, dimension, 3 * dimension, 3 * dimension + dimension / 2 + 1, 2 * xs.length};
            for (int length : lengths) {
                Row[] rows = new Row[length + 2];
                for (int i = 0; i < rows.length; i++) {
                    // a stride prime to the count, so each x meets many alphas and lanes
                    double x = xs[(i * 7 + length) % xs.length];
                    rows[i] = expected(setup.kind, x, alphas[i % dimension]);
                }
                checkArrays(f, rows, length);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Setup.class)
    void eachElementIsTheScalarAlphaActivationWithItsAlphaAtTheSameIndex(Setup setup) {
        // Bit for bit on the scalar kernel. On the vector kernel the same lanewise operations run, but
        // the interpreter's vector math (Java fallbacks) and C2's intrinsics can differ in the last
        // bit, and which of them runs a given call depends on the JIT: there, within 2 ulp.
        boolean bitForBit = setup.kernel == Kernel.SCALAR;
        Random random = new Random(20261214L + setup.ordinal());
        double[] pool = setup.kind == ActivationKind.ELU ? append(append(CSV_ALPHAS, OTHER_ALPHAS), 0.0)
                : append(CSV_ALPHAS, OTHER_ALPHAS);
        for (int dimension : DIMENSIONS) {
            double[] alphas = alphas(dimension, pool, random.nextInt(pool.length));
            PerElementActivation f = setup.of(alphas);
            for (int length : new int[] {3 * dimension, 3 * dimension - 1, 5 * dimension + 3, 1}) {
                double[] x = new double[length];
                for (int i = 0; i < length; i++) {
                    x[i] = switch (i % 7) {
                        case 0 -> -random.nextDouble() * 3;
                        case 1 -> -random.nextDouble() * 40;
                        case 2 -> -Math.pow(10, -random.nextDouble() * 300);
                        case 3 -> -700 - random.nextDouble() * 100;
                        case 4 -> random.nextGaussian() * 5;
                        case 5 -> EluKernelTest.SPECIAL_X[random.nextInt(EluKernelTest.SPECIAL_X.length)];
                        default -> -random.nextDouble() * 0.3;
                    };
                }
                double[][] got = results(f, x);
                // the scalar-alpha activation of each alpha over the same array: its element i went
                // through the same path (vector lane or scalar tail) as the per-element one's
                Map<Double, double[][]> byAlpha = new HashMap<>();
                for (int i = 0; i < length; i++) {
                    double alpha = alphas[i % dimension];
                    double[][] want = byAlpha.computeIfAbsent(alpha, a -> results(setup.scalar(a), x));
                    for (int k = 0; k < got.length; k++) {
                        if (bitForBit) {
                            assertThat(Double.doubleToRawLongBits(got[k][i]))
                                    .as("%s of %s at %d of %d, x=%s, alpha=%s: %s expected %s", RESULT_NAMES[k], f, i,
                                            length, x[i], alpha, got[k][i], want[k][i])
                                    .isEqualTo(Double.doubleToRawLongBits(want[k][i]));
                        } else {
                            assertWithin2Ulp(got[k][i], want[k][i], RESULT_NAMES[k] + " of " + f + " at " + i + " of "
                                    + length + ", x=" + x[i] + ", alpha=" + alpha);
                        }
                    }
                }
            }
        }
    }

    static final String[] RESULT_NAMES = {"value", "derivative", "alpha-gradient", "fused value", "fused derivative"};

    /** values, derivatives, alphaGradients, and the fused pair (in place) of f over x. */
    static double[][] results(ArrayActivation f, double[] x) {
        int n = x.length;
        double[][] r = new double[5][n];
        f.values(x, r[0], n);
        f.derivatives(x, r[1], n);
        f.alphaGradients(x, r[2], n);
        System.arraycopy(x, 0, r[3], 0, n);
        f.valuesAndDerivatives(r[3], r[3], r[4], n);
        return r;
    }

    @ParameterizedTest
    @EnumSource(Setup.class)
    void zerosKeepTheirSignsTheDerivativeAtZeroIsEachAlphaAndNaNStaysNaN(Setup setup) {
        double[] alphas = {0.5, 2.0, 37.0, 1e-3, 1.0, 3.0, 0.25, 8.0, 1e300};
        PerElementActivation f = setup.of(alphas);
        int d = alphas.length;
        for (double x : new double[] {0.0, -0.0, Double.NaN}) {
            double[] in = new double[3 * d];
            Arrays.fill(in, x);
            double[][] r = results(f, in);
            for (int i = 0; i < in.length; i++) {
                double alpha = alphas[i % d];
                String at = f + " x=" + x + " at " + i;
                if (Double.isNaN(x)) {
                    for (double[] result : r) {
                        assertThat(result[i]).as(at).isNaN();
                    }
                    continue;
                }
                for (int k : new int[] {0, 2, 3}) {
                    // f(±0) = ±0 and df/dalpha(±0) = ±0
                    assertThat(Double.doubleToRawLongBits(r[k][i])).as(RESULT_NAMES[k] + " " + at)
                            .isEqualTo(Double.doubleToRawLongBits(x));
                }
                double slope = setup.kind == ActivationKind.ELU ? alpha : 1.0;
                assertThat(r[1][i]).as("derivative " + at).isEqualTo(slope);
                assertThat(r[4][i]).as("fused derivative " + at).isEqualTo(slope);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Setup.class, names = {"ELU_SCALAR", "ELU_VECTOR"})
    void derivativeSurvivesTheUnderflowOfExpWithEachAlpha(Setup setup) {
        // exp(x) is subnormal or 0 below x = -708: alpha*exp(x) is not, for the large alphas
        double[] alphas = {1e250, 2.5, 37.0, 1e-3, 3.0, 1e300, 2.0, 1e200, 5.0};
        double[] xs = {-708.5, -709.0, -745.0, -745.2, -746.0, -800.0, -1000.0};
        PerElementActivation f = setup.of(alphas);
        int d = alphas.length;
        double[] in = new double[4 * d];
        for (int i = 0; i < in.length; i++) {
            in[i] = xs[i % xs.length];
        }
        double[] derivatives = new double[in.length];
        double[] fused = new double[in.length];
        f.derivatives(in, derivatives, in.length);
        f.valuesAndDerivatives(in, in.clone(), fused, in.length);
        for (int i = 0; i < in.length; i++) {
            double alpha = alphas[i % d];
            Row r = expected(ActivationKind.ELU, in[i], alpha);
            String at = f + " x=" + in[i] + " alpha=" + alpha;
            assertWithin2Ulp(derivatives[i], r.derivative(), "derivative " + at);
            assertWithin2Ulp(fused[i], r.derivative(), "fused derivative " + at);
        }
        // 1e300 * exp(-800) = 3.67e-48, where exp(-800) alone is 0
        assertThat(in[5]).isEqualTo(-800.0);
        assertThat(derivatives[5]).isCloseTo(3.6678745841776874e-48, withinPercentage(1e-13));
        assertThat(Ulps.between(derivatives[5], ReferenceGenerator.elu(-800.0, 1e300).derivative())).isLessThanOrEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Setup.class)
    void checksLengthsAndAliasingAsTheScalarAlphaActivationsDo(Setup setup) {
        PerElementActivation f = setup.of(new double[] {1.0, 2.0, 3.0});
        double[] x = new double[16];
        assertThatThrownBy(() -> f.values(x, new double[8], 16))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("length 16 does not fit arrays of 16 and 8");
        assertThatThrownBy(() -> f.derivatives(x, x, 17)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> f.alphaGradients(x, x, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> f.valuesAndDerivatives(x, x, x, 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("derivatives must not be the input array");
        assertThatThrownBy(() -> f.valuesAndDerivatives(x, x, new double[15], 16))
                .isInstanceOf(IndexOutOfBoundsException.class);
        // length 0 writes nothing
        double[] out = {7.0};
        f.values(new double[0], out, 0);
        assertThat(out).containsExactly(7.0);
    }

    @Test
    void activationsBuildsItFromAPerElementAlpha() {
        Alpha alpha = Alpha.perElement(new double[] {0.9, 0.8, 1.0});
        ArrayActivation elu = Activations.of(ActivationKind.ELU, alpha, Kernel.SCALAR);
        assertThat(elu).isInstanceOf(PerElementActivation.class);
        PerElementActivation perElement = (PerElementActivation) elu;
        assertThat(perElement.kind()).isEqualTo(ActivationKind.ELU);
        assertThat(perElement.alphaParameter()).isEqualTo(alpha);
        assertThat(perElement.dimension()).isEqualTo(3);
        assertThat(perElement.kernel()).isEqualTo(Kernel.SCALAR);
        assertThat(perElement.identityAbove0()).isTrue();
        assertThat(perElement.maxFiniteInput()).isEqualTo(Double.MAX_VALUE);
        assertThat(perElement).hasToString("PerElementElu{alpha=[0.9, 0.8, 1.0], kernel=SCALAR}");

        PerElementActivation celu = (PerElementActivation) Activations.of(ActivationKind.CELU, alpha);
        assertThat(celu.kind()).isEqualTo(ActivationKind.CELU);
        assertThat(celu.kernel()).isEqualTo(Kernel.SCALAR);
        assertThat(celu).hasToString("PerElementCelu{alpha=[0.9, 0.8, 1.0]}");

        PerElementActivation auto = (PerElementActivation) Activations.of(ActivationKind.ELU, alpha);
        assertThat(auto.kernel()).isEqualTo(Kernel.active());
        double[] many = new double[100];
        Arrays.fill(many, 0.5);
        assertThat(Activations.of(ActivationKind.ELU, Alpha.perElement(many), Kernel.SCALAR))
                .hasToString("PerElementElu{alpha=[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, ... (100 elements)], kernel=SCALAR}");
    }

    @Test
    void vectorKernelIsUsedForElUAndAskedForCeluRunsScalar() {
        EluKernelTest.assumeUsable(Kernel.VECTOR);
        Alpha alpha = Alpha.perElement(new double[] {0.9, 0.8, 1.0});
        PerElementActivation elu = (PerElementActivation) Activations.of(ActivationKind.ELU, alpha, Kernel.VECTOR);
        assertThat(elu.kernel()).isEqualTo(Kernel.VECTOR);
        assertThat(elu).hasToString("PerElementElu{alpha=[0.9, 0.8, 1.0], kernel=VECTOR}");
        assertThat(((PerElementActivation) Activations.of(ActivationKind.CELU, alpha, Kernel.VECTOR)).kernel())
                .isEqualTo(Kernel.SCALAR);
    }

    @Test
    void scalarAlphaGivesTheScalarAlphaActivations() {
        ArrayActivation elu = Activations.of(ActivationKind.ELU, Alpha.of(0.5), Kernel.SCALAR);
        assertThat(elu).isInstanceOf(Elu.class).hasToString("Elu{alpha=0.5, kernel=SCALAR}");
        assertThat(elu.alphaParameter()).isEqualTo(Alpha.of(0.5));
        assertThat(Activations.of(ActivationKind.CELU, Alpha.of(2.0))).isInstanceOf(Celu.class);
        assertThat(Activations.of(ActivationKind.SELU, Alpha.of(ActivationKind.SELU_ALPHA), Kernel.SCALAR))
                .isSameAs(Selu.instance(Kernel.SCALAR));
        assertThat(Selu.instance().alphaParameter()).isEqualTo(Alpha.of(ActivationKind.SELU_ALPHA));
        assertThatThrownBy(() -> Activations.of(ActivationKind.ELU, Alpha.of(-1.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be finite and >= 0 for activation elu, got -1.0");
    }

    @Test
    void perElementAlphaOfOneElementGivesEveryElementThatAlpha() {
        PerElementActivation f = Setup.ELU_SCALAR.of(new double[] {0.5});
        double[] x = {-1.0, 2.0, -3.0, -0.0};
        double[] out = new double[x.length];
        f.values(x, out, x.length);
        Elu elu = Elu.withAlpha(0.5, Kernel.SCALAR);
        for (int i = 0; i < x.length; i++) {
            assertThat(out[i]).isEqualTo(elu.value(x[i]));
        }
    }

    @Test
    void scalarKernelWorksWithoutTheVectorModule() throws Exception {
        // the scalar path must not load VectorKernels: a child JVM without jdk.incubator.vector
        List<String> out = EluKernelFallbackTest.probe("-D" + KernelProbe.MODE + "=" + KernelProbe.PER_ELEMENT);
        assertThat(out.get(0)).isEqualTo("module: false");
        assertThat(out.get(2)).isEqualTo("per-element: PerElementElu{alpha=" + KernelProbe.perElementAlpha()
                + ", kernel=SCALAR}");
        double[] alphas = KernelProbe.perElementAlpha().values();
        List<String> lines = out.subList(3, out.size());
        assertThat(lines).hasSize(EluKernelTest.SPECIAL_X.length);
        for (int i = 0; i < lines.size(); i++) {
            double[] f = Arrays.stream(lines.get(i).split(" ")).mapToDouble(Double::parseDouble).toArray();
            Row r = expected(ActivationKind.ELU, f[0], alphas[i % alphas.length]);
            assertWithin2Ulp(f[1], r.value(), "value at x=" + f[0]);
            assertWithin2Ulp(f[2], r.derivative(), "derivative at x=" + f[0]);
            assertWithin2Ulp(f[3], r.alphaGradient(), "alpha-gradient at x=" + f[0]);
        }
    }

    private static double[] append(double[] a, double... b) {
        double[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
