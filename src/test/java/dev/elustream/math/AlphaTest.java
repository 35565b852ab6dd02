package dev.elustream.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class AlphaTest {

    @Test
    void scalarAlphaIsOneNumberForEveryElement() {
        Alpha alpha = Alpha.of(0.75);
        assertThat(alpha.isPerElement()).isFalse();
        assertThat(alpha.value()).isEqualTo(0.75);
        assertThat(alpha.values()).containsExactly(0.75);
        assertThat(alpha.length()).isEqualTo(1);
        assertThat(alpha.at(0)).isEqualTo(0.75);
        assertThat(alpha.at(1000)).isEqualTo(0.75);
        assertThat(alpha.max()).isEqualTo(0.75);
        assertThat(alpha).hasToString("0.75");
    }

    @Test
    void perElementAlphaGivesElementIItsOwnValue() {
        Alpha alpha = Alpha.perElement(new double[] {0.9, 0.8, 1.0});
        assertThat(alpha.isPerElement()).isTrue();
        assertThat(alpha.length()).isEqualTo(3);
        assertThat(alpha.values()).containsExactly(0.9, 0.8, 1.0);
        assertThat(alpha.at(0)).isEqualTo(0.9);
        assertThat(alpha.at(1)).isEqualTo(0.8);
        assertThat(alpha.at(2)).isEqualTo(1.0);
        assertThat(alpha.max()).isEqualTo(1.0);
        assertThat(alpha).hasToString("[0.9, 0.8, 1.0]");
        assertThatThrownBy(() -> alpha.at(3)).isInstanceOf(ArrayIndexOutOfBoundsException.class);
        assertThatThrownBy(alpha::value)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("alpha is per element, not one number: [0.9, 0.8, 1.0]");
    }

    @Test
    void perElementAlphaOfOneElementIsStillPerElement() {
        Alpha alpha = Alpha.perElement(new double[] {2.0});
        assertThat(alpha.isPerElement()).isTrue();
        assertThat(alpha.length()).isEqualTo(1);
        assertThat(alpha).hasToString("[2.0]").isNotEqualTo(Alpha.of(2.0));
    }

    @Test
    void emptyPerElementAlphaIsRefused() {
        assertThatThrownBy(() -> Alpha.perElement(new double[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a per-element alpha needs at least one element, got []");
    }

    @Test
    void valuesAreCopiedInAndOut() {
        double[] in = {0.5, 1.5};
        Alpha alpha = Alpha.perElement(in);
        in[0] = 99.0;
        assertThat(alpha.at(0)).isEqualTo(0.5);
        double[] out = alpha.values();
        out[1] = 99.0;
        assertThat(alpha.at(1)).isEqualTo(1.5);
        assertThat(alpha.values()).isNotSameAs(alpha.values());
        Alpha scalar = Alpha.of(3.0);
        scalar.values()[0] = 99.0;
        assertThat(scalar.value()).isEqualTo(3.0);
    }

    @Test
    void equalsComparesTheBitsOfTheValues() {
        assertThat(Alpha.of(0.5)).isEqualTo(Alpha.of(0.5)).hasSameHashCodeAs(Alpha.of(0.5));
        assertThat(Alpha.perElement(new double[] {0.5, 1.0}))
                .isEqualTo(Alpha.perElement(new double[] {0.5, 1.0}))
                .hasSameHashCodeAs(Alpha.perElement(new double[] {0.5, 1.0}))
                .isNotEqualTo(Alpha.perElement(new double[] {1.0, 0.5}))
                .isNotEqualTo(Alpha.perElement(new double[] {0.5, 1.0, 1.0}));
        // as Double.compare: 0.0 and -0.0 differ, NaN equals NaN
        assertThat(Alpha.of(0.0)).isNotEqualTo(Alpha.of(-0.0));
        assertThat(Alpha.perElement(new double[] {0.0})).isNotEqualTo(Alpha.perElement(new double[] {-0.0}));
        assertThat(Alpha.of(Double.NaN)).isEqualTo(Alpha.of(Double.NaN));
        assertThat(Alpha.of(1.0)).isNotEqualTo(Alpha.perElement(new double[] {1.0})).isNotEqualTo("1.0");
    }

    @Test
    void maxIsTheLargestElementAndNaNIfAnyIs() {
        assertThat(Alpha.perElement(new double[] {0.1, 7.0, 2.0, 0.0}).max()).isEqualTo(7.0);
        assertThat(Alpha.perElement(new double[] {-3.0, -1.0}).max()).isEqualTo(-1.0);
        assertThat(Alpha.perElement(new double[] {1.0, Double.NaN}).max()).isNaN();
    }

    @Test
    void holdsAnyNumberTheActivationsCheckLater() {
        Alpha alpha = Alpha.perElement(new double[] {-1.0, Double.NaN, Double.POSITIVE_INFINITY});
        assertThat(alpha).hasToString("[-1.0, NaN, Infinity]");
        assertThat(Alpha.of(-0.0)).hasToString("-0.0");
    }

    @Test
    void longAlphaIsAbbreviatedInMessagesButNotInToString() {
        double[] values = new double[20];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        Alpha alpha = Alpha.perElement(values);
        assertThat(alpha.toString()).startsWith("[0.0, 1.0, ").endsWith(", 18.0, 19.0]");
        assertThat(alpha.abbreviated()).isEqualTo("[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, ... (20 elements)]");
        assertThat(Alpha.perElement(new double[] {1.0, 2.0}).abbreviated()).isEqualTo("[1.0, 2.0]");
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        Alpha alpha = Alpha.perElement(new double[] {0.9, -0.0, 1e300});
        Alpha copy = serializedCopy(alpha);
        assertThat(copy).isEqualTo(alpha).isNotSameAs(alpha);
        assertThat(copy.isPerElement()).isTrue();
        assertThat(serializedCopy(Alpha.of(0.5))).isEqualTo(Alpha.of(0.5));
    }

    static Alpha serializedCopy(Alpha alpha) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(alpha);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Alpha) in.readObject();
        }
    }
}
