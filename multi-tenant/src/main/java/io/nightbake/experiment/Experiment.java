package io.nightbake.experiment;

import io.nightbake.config.ControlSettings;
import io.nightbake.tenant.TenantId;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * One experiment on a tenant's customers: champion against one challenger, optionally with a held-back popularity
 * baseline group. Its arms are named after it ({@code e<id>-champion}, {@code e<id>-challenger},
 * {@code e<id>-baseline}), so events attributed to them can never be confused with another experiment's or with the
 * lists served outside experiments (arm {@code champion}).
 *
 * @param kind          {@value ControlSettings#AB} or {@value ControlSettings#BANDIT}
 * @param seed          the customers' assignment seed, fixed for the experiment's life
 * @param startedOn     the run date of the night that started it (its lists are the first with its arms)
 * @param endedOn       the run date of the night that ended it; null while it runs
 * @param decision      null while it runs
 */
public record Experiment(long id, TenantId tenant, String kind, int championVersion, int challengerVersion,
                         double baselineShare, long seed, LocalDate startedOn, Status status, LocalDate endedOn,
                         Outcome decision, String reason) {

    public enum Status { RUNNING, ENDED }

    /** What a night decided. */
    public enum Outcome {
        /** keep testing */
        CONTINUE,
        /** the challenger becomes champion */
        PROMOTE,
        /** the A/B test found no significant gain: the champion stays */
        DISCARD,
        /** the bandit gave the challenger too little traffic for too long: the champion stays */
        RETIRE,
        /** an operator (or a state or mode change) stopped it: the champion stays */
        STOPPED
    }

    public boolean running() {
        return status == Status.RUNNING;
    }

    public boolean bandit() {
        return ControlSettings.BANDIT.equals(kind);
    }

    public String championArm() {
        return "e" + id + "-champion";
    }

    public String challengerArm() {
        return "e" + id + "-challenger";
    }

    public String baselineArm() {
        return "e" + id + "-baseline";
    }

    public boolean hasBaseline() {
        return baselineShare > 0;
    }

    /**
     * The arm table for a night: champion, challenger, then the baseline group (last, so its customers never move).
     * {@code challengerShare} is the challenger's share of the customers outside the baseline group.
     */
    public ArmTable armTable(double challengerShare) {
        double rest = 1 - baselineShare;
        List<ArmTable.Arm> arms = new ArrayList<>(3);
        arms.add(new ArmTable.Arm(championArm(), championVersion, rest * (1 - challengerShare)));
        arms.add(new ArmTable.Arm(challengerArm(), challengerVersion, rest * challengerShare));
        if (hasBaseline()) {
            arms.add(new ArmTable.Arm(baselineArm(), 0, baselineShare));
        }
        return new ArmTable(seed, arms);
    }
}
