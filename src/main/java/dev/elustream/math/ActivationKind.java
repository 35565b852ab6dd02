package dev.elustream.math;

import java.util.Locale;

/** The members of the ELU family the job offers. */
public enum ActivationKind {
    /** alpha*expm1(x) for x &lt;= 0, x else; alpha finite and &gt;= 0. */
    ELU,
    /** scale*(alpha*expm1(x)) for x &lt;= 0, scale*x else, with fixed alpha and scale (Klambauer et al. 2017). */
    SELU,
    /** alpha*expm1(x/alpha) for x &lt;= 0, x else; alpha finite and &gt; 0. */
    CELU;

    /** SELU's alpha, as in PyTorch. */
    public static final double SELU_ALPHA = 1.6732632423543772;
    /** SELU's scale, as in PyTorch. */
    public static final double SELU_SCALE = 1.0507009873554805;

    /** "elu", "selu" or "celu", in any case; IllegalArgumentException naming the value otherwise. */
    public static ActivationKind parse(String text) {
        if (text != null) {
            for (ActivationKind k : values()) {
                if (k.name().equalsIgnoreCase(text.trim())) {
                    return k;
                }
            }
        }
        throw new IllegalArgumentException("activation must be one of elu, selu, celu, got '" + text + "'");
    }

    /** The lower-case name used in job files and SQL. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
