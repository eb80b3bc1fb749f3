package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChampionChallengerPolicyTest {

    private final ChampionChallengerPolicy policy = new ChampionChallengerPolicy(0.01);

    @Test
    void worseChallengerIsNotPromoted() {
        ChampionChallengerPolicy.Decision d = policy.decide(0.95, 0.90, 1.2);
        assertThat(d.promote()).isFalse();
        assertThat(d.reason()).contains("0.9500", "0.9000", "does not meet");
    }

    @Test
    void betterChallengerIsPromoted() {
        assertThat(policy.decide(0.85, 0.90, 1.2).promote()).isTrue();
    }

    @Test
    void tiesAndGainsBelowTheMarginFollowTheMargin() {
        assertThat(policy.decide(0.90, 0.90, 1.2).promote()).as("tie").isFalse();
        assertThat(policy.decide(0.895, 0.90, 1.2).promote()).as("better by less than the margin").isFalse();
        assertThat(policy.decide(0.875, 0.90, 1.2).promote()).as("better by more than the margin").isTrue();
        ChampionChallengerPolicy noMargin = new ChampionChallengerPolicy(0);
        assertThat(noMargin.decide(0.90, 0.90, 1.2).promote()).as("a tie never replaces the champion").isFalse();
        assertThat(noMargin.decide(0.8999, 0.90, 1.2).promote()).isTrue();
    }

    @Test
    void firstModelMustBeatTheGlobalMeanBaseline() {
        assertThat(policy.decide(1.0, null, 1.1).promote()).isTrue();
        ChampionChallengerPolicy.Decision d = policy.decide(1.2, null, 1.1);
        assertThat(d.promote()).isFalse();
        assertThat(d.reason()).contains("first model", "baseline");
    }

    @Test
    void negativeMarginIsRejected() {
        assertThatThrownBy(() -> new ChampionChallengerPolicy(-0.1)).hasMessageContaining("margin");
    }
}
