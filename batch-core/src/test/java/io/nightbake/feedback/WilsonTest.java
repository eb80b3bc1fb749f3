package io.nightbake.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WilsonTest {

    @Test
    void intervalsMatchTheWilsonFormula() {
        double[] fivePercent = Wilson.interval(5, 100);
        assertThat(fivePercent[0]).isCloseTo(0.02154, within(1e-4));
        assertThat(fivePercent[1]).isCloseTo(0.11175, within(1e-4));
        assertThat(Wilson.interval(0, 10)[0]).isZero();
        assertThat(Wilson.interval(0, 10)[1]).isCloseTo(0.27753, within(1e-4));
        assertThat(Wilson.interval(10, 10)[1]).isCloseTo(1.0, within(1e-12));
        assertThat(Wilson.interval(0, 0)).containsExactly(0, 0);
    }

    @Test
    void oneSidedTestFlagsOnlyAClearDrop() {
        assertThat(Wilson.pBelow(100, 1000, 50, 1000)).isLessThan(0.001); // 10% -> 5%
        assertThat(Wilson.pBelow(100, 1000, 95, 1000)).isGreaterThan(0.3); // 10% -> 9.5%: noise
        assertThat(Wilson.pBelow(50, 1000, 100, 1000)).isGreaterThan(0.99); // a rise
        assertThat(Wilson.normalCdf(1.959963984540054)).isCloseTo(0.975, within(1e-6));
    }
}
