package io.nightbake.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.config.ControlSettings;
import io.nightbake.tenant.TenantId;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentPolicyTest {

    private static final LocalDate START = LocalDate.of(2026, 10, 1);

    private static Experiment experiment(String kind) {
        return new Experiment(3, TenantId.of("acme"), kind, 1, 2, 0.0, 11L, START, Experiment.Status.RUNNING, null, null,
                null);
    }

    private static List<ArmDayCounts> day(LocalDate date, long championClicks, long challengerClicks, long impressions) {
        return List.of(new ArmDayCounts(date, "e3-champion", 1, impressions, championClicks, 0),
                new ArmDayCounts(date, "e3-challenger", 2, impressions, challengerClicks, 0));
    }

    @Test
    void abWaitsForTheSampleThenTestsOnceAndMaxDaysForcesTheTest() {
        ControlSettings settings = ControlSettings.DEFAULTS; // min-sample 1000, max-days 14
        Experiment ab = experiment(ControlSettings.AB);
        List<ArmDayCounts> small = day(START.plusDays(1), 5, 9, 400);
        ExperimentNight waiting = ExperimentPolicy.decide(ab, settings, small, List.of(), START.plusDays(2));
        assertThat(waiting.outcome()).isEqualTo(Experiment.Outcome.CONTINUE);
        assertThat(waiting.challengerShare()).isEqualTo(0.5);
        assertThat(waiting.figures()).contains("waiting for 1000 impressions");
        // after max-days the test is read on what there is: too little for significance, the champion stays
        ExperimentNight forced = ExperimentPolicy.decide(ab, settings, small, List.of(), START.plusDays(14));
        assertThat(forced.outcome()).isEqualTo(Experiment.Outcome.DISCARD);
        assertThat(forced.figures()).contains("z-test", "champion kept");
        // counts of other arms or versions are not the experiment's
        List<ArmDayCounts> foreign = new ArrayList<>(small);
        foreign.add(new ArmDayCounts(START.plusDays(1), "e3-challenger", 9, 100_000, 90_000, 0));
        foreign.add(new ArmDayCounts(START.plusDays(1), "champion", 1, 100_000, 1, 0));
        assertThat(ExperimentPolicy.decide(ab, settings, foreign, List.of(), START.plusDays(2)).outcome())
                .isEqualTo(Experiment.Outcome.CONTINUE);
    }

    @Test
    void banditForgetsOldEvidenceWithTheDiscount() {
        // the challenger was far better three weeks ago, the champion is better in the last week
        List<ArmDayCounts> counts = new ArrayList<>();
        for (int d = 1; d <= 7; d++) {
            counts.addAll(day(START.plusDays(d), 20, 80, 1000));
        }
        for (int d = 15; d <= 21; d++) {
            counts.addAll(day(START.plusDays(d), 60, 40, 1000));
        }
        LocalDate night = START.plusDays(22);
        ControlSettings forgetting = discount(0.7);
        ControlSettings remembering = discount(1.0);
        double forgetful = ExperimentPolicy.decide(experiment("bandit"), forgetting, counts, List.of(), night)
                .challengerShare();
        double stubborn = ExperimentPolicy.decide(experiment("bandit"), remembering, counts, List.of(), night)
                .challengerShare();
        assertThat(stubborn).isGreaterThan(0.9); // all evidence weighs the same: 840 clicks against 560
        assertThat(forgetful).isLessThan(0.1);    // last week weighs most: the champion is better now
        assertThat(forgetful).isGreaterThanOrEqualTo(0.05); // never under the exploration floor
        // the default discount 0.9 already doubts the old winner
        assertThat(ExperimentPolicy.decide(experiment("bandit"), ControlSettings.DEFAULTS, counts, List.of(), night)
                .challengerShare()).isLessThan(0.5);
    }

    private static ControlSettings discount(double discount) {
        return new ControlSettings("bandit", "click-through", 0, 0, ControlSettings.DEFAULTS.ab(),
                new ControlSettings.Bandit(discount, 0.05, 0.8, 3, 0.1, 3));
    }

    @Test
    void banditPromotesAfterNNightsAboveTheThresholdOnly() {
        Experiment bandit = experiment("bandit");
        List<ArmDayCounts> counts = day(START.plusDays(1), 20, 80, 1000);
        List<ExperimentNight> nights = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            ExperimentNight night = ExperimentPolicy.decide(bandit, ControlSettings.DEFAULTS, counts, nights, START.plusDays(n));
            nights.add(night);
            assertThat(night.outcome()).isEqualTo(n < 3 ? Experiment.Outcome.CONTINUE : Experiment.Outcome.PROMOTE);
        }
        // a night below the threshold breaks the run
        List<ExperimentNight> broken = List.of(
                new ExperimentNight(3, START.plusDays(1), 0.9, Experiment.Outcome.CONTINUE, ""),
                new ExperimentNight(3, START.plusDays(2), 0.5, Experiment.Outcome.CONTINUE, ""));
        assertThat(ExperimentPolicy.decide(bandit, ControlSettings.DEFAULTS, counts, broken, START.plusDays(3)).outcome())
                .isEqualTo(Experiment.Outcome.CONTINUE);
        // the same seed and night draw the same share: a rerun decides the same
        assertThat(ExperimentPolicy.decide(bandit, ControlSettings.DEFAULTS, counts, List.of(), START.plusDays(1)))
                .isEqualTo(ExperimentPolicy.decide(bandit, ControlSettings.DEFAULTS, counts, List.of(), START.plusDays(1)));
    }
}
