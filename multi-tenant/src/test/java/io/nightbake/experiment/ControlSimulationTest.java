package io.nightbake.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.config.ControlSettings;
import org.junit.jupiter.api.Test;

/** The proof: a seeded synthetic tenant for 30 nights, one version truly better. */
class ControlSimulationTest {

    static final ControlSimulation.Scenario BETTER = new ControlSimulation.Scenario(5000, 0.4, 0.05, 0.065, 30, 7);
    static final ControlSettings SETTINGS = ControlSettings.DEFAULTS;

    @Test
    void banditMovesEightyPercentToTheBetterArmWithinTenNightsWithLessRegretThanFiftyFifty() {
        ControlSimulation.Run bandit = ControlSimulation.run(ControlSettings.BANDIT, SETTINGS, BETTER);
        ControlSimulation.Run fiftyFifty = ControlSimulation.fixedSplit(0.5, BETTER);
        assertThat(bandit.firstNightWithBetterShare(0.8)).isBetween(1, 10);
        assertThat(bandit.regret()).isLessThan(fiftyFifty.regret());
        assertThat(bandit.decision()).isEqualTo(Experiment.Outcome.PROMOTE);

        // the champion truly better: the bandit moves the traffic back to it and retires the challenger
        ControlSimulation.Run worse = ControlSimulation.run(ControlSettings.BANDIT, SETTINGS, BETTER.withRates(0.065, 0.05));
        assertThat(worse.firstNightWithBetterShare(0.8)).isBetween(1, 10);
        assertThat(worse.decision()).isEqualTo(Experiment.Outcome.RETIRE);
    }

    @Test
    void abTestPromotesARealEffectAndKeepsTheChampionWhenArmsAreEqual() {
        ControlSimulation.Run real = ControlSimulation.run(ControlSettings.AB, SETTINGS, BETTER);
        assertThat(real.decision()).isEqualTo(Experiment.Outcome.PROMOTE);
        assertThat(real.lastFigures()).contains("z-test");

        ControlSimulation.Scenario equal = BETTER.withRates(0.05, 0.05);
        int repetitions = 200;
        int promoted = ControlSimulation.promotions(SETTINGS, equal, repetitions);
        assertThat(promoted / (double) repetitions).isLessThanOrEqualTo(SETTINGS.ab().alpha());
        // and it is a test, not a refusal: a real effect (0.05 against 0.065, min-sample 1000) is found in most repetitions
        assertThat(ControlSimulation.promotions(SETTINGS, BETTER, 50)).isGreaterThan(25);
    }

    @Test
    void sameSeedSameRun() {
        assertThat(ControlSimulation.run(ControlSettings.BANDIT, SETTINGS, BETTER))
                .isEqualTo(ControlSimulation.run(ControlSettings.BANDIT, SETTINGS, BETTER));
    }
}
