package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PairedTestsTest {

    @Test
    void studentTailMatchesTables() {
        assertThat(PairedTests.studentUpperTail(0, 5)).isCloseTo(0.5, within(1e-9));
        // t tables: one-sided 5% at df 10 is 1.812, 2.5% at df 30 is 2.042; df 1 is Cauchy: P(T >= 1) = 0.25
        assertThat(PairedTests.studentUpperTail(1.812, 10)).isCloseTo(0.05, within(2e-4));
        assertThat(PairedTests.studentUpperTail(2.042, 30)).isCloseTo(0.025, within(2e-4));
        assertThat(PairedTests.studentUpperTail(1, 1)).isCloseTo(0.25, within(1e-9));
        assertThat(PairedTests.studentUpperTail(-1.812, 10)).isCloseTo(0.95, within(2e-4));
    }

    @Test
    void tTestNeedsTwoCustomersAndHandlesNoVariance() {
        CustomerFigures one = new CustomerFigures("ndcg", new int[] {0}, new double[] {1}, new double[] {1});
        assertThat(PairedTests.tTest(one, one)).isEqualTo(1.0);
        CustomerFigures a = new CustomerFigures("ndcg", new int[] {0, 1}, new double[] {0.5, 0.6}, new double[] {1, 1});
        CustomerFigures b = new CustomerFigures("ndcg", new int[] {0, 1}, new double[] {0.4, 0.5}, new double[] {1, 1});
        assertThat(PairedTests.tTest(a, b)).as("always better by 0.1").isEqualTo(0.0);
        assertThat(PairedTests.tTest(b, a)).isEqualTo(1.0);
    }
}
