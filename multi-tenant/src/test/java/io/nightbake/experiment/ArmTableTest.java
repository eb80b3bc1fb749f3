package io.nightbake.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nightbake.tenant.TenantId;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArmTableTest {

    private final Experiment experiment = new Experiment(4, TenantId.of("acme"), "bandit", 3, 5, 0.1, 99L,
            LocalDate.of(2026, 10, 1), Experiment.Status.RUNNING, null, null, null);

    @Test
    void assignmentIsStableFollowsTheSharesAndKeepsTheBaselineGroupWhenSharesMove() {
        ArmTable night1 = experiment.armTable(0.5);
        ArmTable again = experiment.armTable(0.5);
        ArmTable night2 = experiment.armTable(0.8);
        Map<String, Integer> counts = new HashMap<>();
        int moved = 0;
        for (int c = 0; c < 20_000; c++) {
            String id = "cust-" + c;
            ArmTable.Arm arm = night1.armFor(id);
            assertThat(again.armFor(id)).isEqualTo(arm);
            counts.merge(arm.name(), 1, Integer::sum);
            ArmTable.Arm later = night2.armFor(id);
            if (arm.name().equals("e4-baseline") || later.name().equals("e4-baseline")) {
                assertThat(later.name()).isEqualTo(arm.name());
            }
            if (!later.name().equals(arm.name())) {
                moved++;
                assertThat(later.name()).isEqualTo("e4-challenger"); // only champion customers move, to the challenger
            }
        }
        assertThat(counts.get("e4-baseline") / 20_000.0).isBetween(0.09, 0.11);
        assertThat(counts.get("e4-challenger") / 20_000.0).isBetween(0.43, 0.47);
        assertThat(moved / 20_000.0).isBetween(0.25, 0.29); // 0.9 x 0.3 of the customers
        assertThat(night1.armFor("cust-1").modelVersion()).isIn(3, 5, 0);
        // another seed is another assignment
        ArmTable other = new ArmTable(100L, night1.arms());
        long differ = java.util.stream.IntStream.range(0, 1000)
                .filter(c -> !other.armFor("cust-" + c).equals(night1.armFor("cust-" + c))).count();
        assertThat(differ).isGreaterThan(300);
    }

    @Test
    void sharesMustAddUp() {
        assertThatThrownBy(() -> new ArmTable(1, java.util.List.of(new ArmTable.Arm("a", 1, 0.5))))
                .hasMessageContaining("add up to 1");
        assertThat(ArmTable.championOnly(7).armFor("x").name()).isEqualTo("champion");
    }

    @Test
    void zTestAndWilson() {
        Proportions.ZTest test = Proportions.zTest(50, 1000, 80, 1000);
        assertThat(test.z()).isBetween(2.6, 2.8);
        assertThat(test.pValue()).isBetween(0.003, 0.005);
        assertThat(Proportions.normalCdf(1.959963984540054)).isCloseTo(0.975, org.assertj.core.data.Offset.offset(1e-6));
        double[] interval = Proportions.wilson(5, 100);
        assertThat(interval[0]).isBetween(0.021, 0.023);
        assertThat(interval[1]).isBetween(0.111, 0.113);
    }
}
