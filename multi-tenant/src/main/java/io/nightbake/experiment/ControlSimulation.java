package io.nightbake.experiment;

import io.nightbake.config.ControlSettings;
import io.nightbake.tenant.TenantId;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded simulation of automatic control on one synthetic tenant: every night the policy ({@link ExperimentPolicy},
 * the code the nightly run uses) sets the arms' shares, customers are assigned by the same {@link ArmTable} hash,
 * and the next day every customer sees its arm's list with probability {@code impressionRate} and clicks with
 * probability (its planted affinity) x (the arm's true click-through rate): the challenger is truly better when its
 * rate is higher. Regret is the expected clicks lost against always serving the better arm.
 */
public final class ControlSimulation {

    /**
     * @param customers      synthetic customers, ids {@code sim-000001}...
     * @param impressionRate chance that a customer sees its list on a day
     * @param championRate   the champion's true click-through rate for a customer of affinity 1
     * @param challengerRate the challenger's
     */
    public record Scenario(int customers, double impressionRate, double championRate, double challengerRate, int nights,
                           long seed) {
        public Scenario {
            if (customers < 1 || nights < 1 || !(impressionRate > 0 && impressionRate <= 1)
                    || !(championRate >= 0 && championRate <= 0.5) || !(challengerRate >= 0 && challengerRate <= 0.5)) {
                throw new IllegalArgumentException("invalid scenario: " + this);
            }
        }

        public Scenario withSeed(long newSeed) {
            return new Scenario(customers, impressionRate, championRate, challengerRate, nights, newSeed);
        }

        public Scenario withRates(double champion, double challenger) {
            return new Scenario(customers, impressionRate, champion, challenger, nights, seed);
        }

        boolean challengerBetter() {
            return challengerRate > championRate;
        }
    }

    /** One night: the better arm's share of the traffic that night, and cumulative regret so far (clicks). */
    public record Night(int night, double betterShare, double cumulativeRegret, Experiment.Outcome outcome) {
    }

    /**
     * @param decidedOn the night (1-based) the policy decided, 0 when it never did
     * @param decision  PROMOTE, DISCARD, RETIRE, or CONTINUE when it never decided
     */
    public record Run(List<Night> nights, int decidedOn, Experiment.Outcome decision, String lastFigures) {

        /** The first night (1-based) the better arm had at least {@code share} of the traffic, 0 if never. */
        public int firstNightWithBetterShare(double share) {
            return nights.stream().filter(n -> n.betterShare() >= share - 1e-12).mapToInt(Night::night).findFirst().orElse(0);
        }

        public double regret() {
            return nights.isEmpty() ? 0 : nights.get(nights.size() - 1).cumulativeRegret();
        }
    }

    private static final LocalDate START = LocalDate.of(2026, 1, 1);

    private ControlSimulation() {
    }

    /** Runs the policy of {@code kind} ({@code ab} or {@code bandit}) with {@code settings} on the scenario. */
    public static Run run(String kind, ControlSettings settings, Scenario scenario) {
        return simulate(kind, settings, scenario, null, false);
    }

    /** A fixed split for every night, never decided: the "50/50 A/B test run for the same nights" of the comparison. */
    public static Run fixedSplit(double challengerShare, Scenario scenario) {
        return simulate(ControlSettings.AB, ControlSettings.DEFAULTS, scenario, challengerShare, false);
    }

    private static Run simulate(String kind, ControlSettings settings, Scenario scenario, Double fixedShare,
                                boolean stopWhenDecided) {
        SplittableRandom random = new SplittableRandom(scenario.seed());
        double[] affinity = new double[scenario.customers()];
        for (int c = 0; c < affinity.length; c++) {
            affinity[c] = 0.5 + random.nextDouble(); // planted preferences: some customers click more than others
        }
        Experiment experiment = new Experiment(1, TenantId.of("sim"), kind, 1, 2, 0.0, random.nextLong(), START,
                Experiment.Status.RUNNING, null, null, null);
        // each customer's place in the assignment, fixed for the experiment (what ArmTable.armFor hashes every time)
        double[] positions = new double[affinity.length];
        for (int c = 0; c < positions.length; c++) {
            positions[c] = ArmTable.position(experiment.seed(), customerId(c));
        }
        List<ArmDayCounts> counts = new ArrayList<>();
        List<ExperimentNight> decided = new ArrayList<>();
        List<Night> nights = new ArrayList<>();
        Experiment.Outcome decision = Experiment.Outcome.CONTINUE;
        int decidedOn = 0;
        String figures = "";
        double regret = 0;
        for (int n = 0; n < scenario.nights(); n++) {
            LocalDate runDate = START.plusDays(n);
            double share;
            if (fixedShare != null) {
                share = fixedShare;
            } else if (decision == Experiment.Outcome.CONTINUE) {
                ExperimentNight night = ExperimentPolicy.decide(experiment, settings, counts, decided, runDate);
                decided.add(night);
                figures = night.figures();
                if (night.outcome() != Experiment.Outcome.CONTINUE) {
                    decision = night.outcome();
                    decidedOn = n + 1;
                }
                share = decision == Experiment.Outcome.PROMOTE ? 1.0 : decision == Experiment.Outcome.CONTINUE
                        ? night.challengerShare() : 0.0;
            } else if (stopWhenDecided) {
                break;
            } else {
                share = decision == Experiment.Outcome.PROMOTE ? 1.0 : 0.0;
            }
            // the day after the night: impressions and clicks per arm
            ArmTable table = experiment.armTable(share);
            long[] impressions = new long[2];
            long[] clicks = new long[2];
            double dayRegret = 0;
            double best = Math.max(scenario.championRate(), scenario.challengerRate());
            for (int c = 0; c < positions.length; c++) {
                if (random.nextDouble() >= scenario.impressionRate()) {
                    continue;
                }
                int arm = share <= 0 ? 0 : share >= 1 ? 1 : table.armAt(positions[c]).name().equals(experiment.challengerArm()) ? 1 : 0;
                double rate = arm == 1 ? scenario.challengerRate() : scenario.championRate();
                impressions[arm]++;
                if (random.nextDouble() < Math.min(1, rate * affinity[c])) {
                    clicks[arm]++;
                }
                dayRegret += (best - rate) * affinity[c];
            }
            LocalDate day = runDate.plusDays(1);
            counts.add(new ArmDayCounts(day, experiment.championArm(), 1, impressions[0], clicks[0], 0));
            counts.add(new ArmDayCounts(day, experiment.challengerArm(), 2, impressions[1], clicks[1], 0));
            regret += dayRegret;
            double betterShare = scenario.challengerBetter() ? share : 1 - share;
            nights.add(new Night(n + 1, betterShare, regret,
                    fixedShare != null ? Experiment.Outcome.CONTINUE : decision));
        }
        return new Run(nights, decidedOn, decision, figures);
    }

    /** The synthetic tenant's customer ids: sim-000001, sim-000002, ... */
    public static String customerId(int index) {
        String number = Integer.toString(index + 1);
        return "sim-" + "000000".substring(Math.min(6, number.length())) + number;
    }

    /** Of {@code repetitions} seeded A/B runs of the scenario, how many promoted the challenger. */
    public static int promotions(ControlSettings settings, Scenario scenario, int repetitions) {
        int promoted = 0;
        for (int r = 0; r < repetitions; r++) {
            Scenario one = scenario.withSeed(scenario.seed() * 1_000_003L + r);
            if (simulate(ControlSettings.AB, settings, one, null, true).decision() == Experiment.Outcome.PROMOTE) {
                promoted++;
            }
        }
        return promoted;
    }
}
