package dev.elustream.codec;

import java.util.Locale;

/** What the job writes for each vector: the activation and its derivative, or the activation only. */
public enum OutputMode {
    /** {@code features} holds f(x) and a {@code derivative} member holding f'(x) follows it. */
    BOTH,
    /** {@code features} holds f(x); nothing else is added. */
    ACTIVATION;

    /**
     * Parses a configured mode.
     *
     * @param text {@code "both"} or {@code "activation"}, in any case
     * @throws IllegalArgumentException naming the value if it is neither
     */
    public static OutputMode parse(String text) {
        if (text != null) {
            switch (text.toLowerCase(Locale.ROOT)) {
                case "both":
                    return BOTH;
                case "activation":
                    return ACTIVATION;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException(
                "mode must be 'both' or 'activation', got " + (text == null ? "null" : "'" + text + "'"));
    }
}
