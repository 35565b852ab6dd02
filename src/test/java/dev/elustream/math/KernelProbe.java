package dev.elustream.math;

import java.util.Arrays;

/**
 * Main class of the child JVMs of {@link EluKernelFallbackTest}: prints which kernel AUTO resolves
 * to, what asking for VECTOR does, and ELU's fused array form at alpha 3 on
 * {@link EluKernelTest#SPECIAL_X}, one "x value derivative alpha-gradient" line each. With
 * {@code -Delu.probe=per-element} the third line names the per-element ELU of
 * {@link #perElementAlpha()} on AUTO instead, and the lines are its results.
 */
public final class KernelProbe {

    static final double ALPHA = 3.0;
    /** The system property that chooses what the probe runs. */
    static final String MODE = "elu.probe";
    static final String PER_ELEMENT = "per-element";

    private KernelProbe() {}

    public static void main(String[] args) {
        System.out.println("module: " + ModuleLayer.boot().findModule(Kernel.MODULE).isPresent());
        System.out.println("kernel: " + Kernel.describeActive());
        if (PER_ELEMENT.equals(System.getProperty(MODE))) {
            probePerElement();
            return;
        }
        try {
            System.out.println("vector: " + Elu.withAlpha(1.0, Kernel.VECTOR).kernel());
        } catch (IllegalStateException e) {
            System.out.println("vector: " + e.getMessage());
        }
        Elu elu = Elu.withAlpha(ALPHA);
        double[] x = Arrays.copyOf(EluKernelTest.SPECIAL_X, EluKernelTest.SPECIAL_X.length);
        double[] values = x.clone();
        double[] derivatives = new double[x.length];
        double[] gradients = new double[x.length];
        elu.alphaGradients(x, gradients, x.length);
        elu.valuesAndDerivatives(values, values, derivatives, x.length);
        for (int i = 0; i < x.length; i++) {
            System.out.println(x[i] + " " + values[i] + " " + derivatives[i] + " " + gradients[i]);
        }
    }

    /** Five alphas, so that rows of SPECIAL_X's 32 elements end inside a row. */
    static Alpha perElementAlpha() {
        return Alpha.perElement(new double[] {3.0, 0.5, 1e300, 0.0, 2.5});
    }

    private static void probePerElement() {
        ArrayActivation elu = Activations.of(ActivationKind.ELU, perElementAlpha());
        System.out.println("per-element: " + elu);
        double[] x = Arrays.copyOf(EluKernelTest.SPECIAL_X, EluKernelTest.SPECIAL_X.length);
        double[] values = x.clone();
        double[] derivatives = new double[x.length];
        double[] gradients = new double[x.length];
        elu.alphaGradients(x, gradients, x.length);
        elu.valuesAndDerivatives(values, values, derivatives, x.length);
        for (int i = 0; i < x.length; i++) {
            System.out.println(x[i] + " " + values[i] + " " + derivatives[i] + " " + gradients[i]);
        }
    }
}
