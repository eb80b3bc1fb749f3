package io.nightbake.experiment;

import io.nightbake.config.ControlSettings;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The nightly decision of an experiment, a pure function of the experiment, the settings, the KPI counts so far and
 * the nights already decided, so the night, the simulation and tests run the same code and a rerun decides the same.
 *
 * <p><b>A/B</b>: the challenger keeps {@code ab.split} of the traffic until both arms have {@code ab.min-sample}
 * impressions or {@code ab.max-days} nights have passed; then, once, a one-sided two-proportion z-test on the KPI
 * (H1: the challenger's rate is higher) promotes it when p &lt; alpha, else the champion stays (DISCARD).
 *
 * <p><b>Bandit</b>: each arm's KPI has a Beta(1 + s, 1 + f) posterior where s and f are its successes and failures,
 * each day's weighted by {@code discount}^(age in days) so old evidence fades; the challenger's share is the
 * posterior probability that it is the better arm (4,000 seeded Thompson draws), squeezed into
 * [floor, 1 - floor]. A challenger at or above {@code promote-share} for {@code promote-nights} nights running is
 * promoted; one at or below {@code retire-share} for {@code retire-nights} nights running is retired.
 */
public final class ExperimentPolicy {

    static final int DRAWS = 4000;

    private ExperimentPolicy() {
    }

    /** One arm's totals over the experiment so far. */
    public record ArmFigures(String arm, int modelVersion, long impressions, long clicks, long purchases, double kpi,
                             double kpiLow, double kpiHigh) {
    }

    /** Totals per arm (champion, challenger, baseline when it has one) from the counts that belong to {@code e}. */
    public static List<ArmFigures> figures(Experiment e, List<ArmDayCounts> counts, boolean conversion) {
        List<ArmFigures> result = new ArrayList<>(3);
        result.add(total(e.championArm(), e.championVersion(), counts, conversion));
        result.add(total(e.challengerArm(), e.challengerVersion(), counts, conversion));
        if (e.hasBaseline()) {
            result.add(total(e.baselineArm(), 0, counts, conversion));
        }
        return result;
    }

    private static ArmFigures total(String arm, int version, List<ArmDayCounts> counts, boolean conversion) {
        long impressions = 0;
        long clicks = 0;
        long purchases = 0;
        for (ArmDayCounts c : counts) {
            if (c.arm().equals(arm) && c.modelVersion() == version) {
                impressions += c.impressions();
                clicks += c.clicks();
                purchases += c.purchases();
            }
        }
        long successes = conversion ? purchases : clicks;
        double[] interval = Proportions.wilson(successes, impressions);
        return new ArmFigures(arm, version, impressions, clicks, purchases,
                impressions == 0 ? 0 : successes / (double) impressions, interval[0], interval[1]);
    }

    /** Decides the night {@code runDate}; {@code earlier} are the nights decided before it (any order). */
    public static ExperimentNight decide(Experiment e, ControlSettings settings, List<ArmDayCounts> counts,
                                         List<ExperimentNight> earlier, LocalDate runDate) {
        boolean conversion = settings.conversion();
        List<ArmFigures> arms = figures(e, counts, conversion);
        ArmFigures champion = arms.get(0);
        ArmFigures challenger = arms.get(1);
        long nights = ChronoUnit.DAYS.between(e.startedOn(), runDate);
        StringBuilder text = new StringBuilder(describe(arms, settings.kpi()));
        text.append(String.format(Locale.ROOT, "; %d nights", nights));
        if (!e.bandit()) {
            ControlSettings.Ab ab = settings.ab();
            boolean sampled = Math.min(champion.impressions(), challenger.impressions()) >= ab.minSample();
            if (!sampled && nights < ab.maxDays()) {
                text.append(String.format(Locale.ROOT, "; waiting for %d impressions per arm or %d nights", ab.minSample(),
                        ab.maxDays()));
                return new ExperimentNight(e.id(), runDate, ab.split(), Experiment.Outcome.CONTINUE, text.toString());
            }
            Proportions.ZTest test = Proportions.zTest(successes(champion, conversion), champion.impressions(),
                    successes(challenger, conversion), challenger.impressions());
            boolean promote = test.pValue() < ab.alpha();
            text.append(String.format(Locale.ROOT, "; one-sided two-proportion z-test: z=%.3f p=%.4f alpha=%s -> %s",
                    test.z(), test.pValue(), ab.alpha(), promote ? "challenger significantly better, promoted"
                            : "no significant gain, champion kept"));
            return new ExperimentNight(e.id(), runDate, ab.split(),
                    promote ? Experiment.Outcome.PROMOTE : Experiment.Outcome.DISCARD, text.toString());
        }
        ControlSettings.Bandit bandit = settings.bandit();
        double[] posteriorChampion = posterior(e.championArm(), e.championVersion(), counts, runDate, bandit.discount(), conversion);
        double[] posteriorChallenger = posterior(e.challengerArm(), e.challengerVersion(), counts, runDate, bandit.discount(),
                conversion);
        SplittableRandom random = new SplittableRandom(e.seed() * 31 + runDate.toEpochDay());
        int wins = 0;
        for (int i = 0; i < DRAWS; i++) {
            double a = Proportions.beta(random, posteriorChampion[0], posteriorChampion[1]);
            double b = Proportions.beta(random, posteriorChallenger[0], posteriorChallenger[1]);
            if (b > a) {
                wins++;
            }
        }
        double probability = wins / (double) DRAWS;
        double floor = bandit.explorationFloor();
        double share = floor + (1 - 2 * floor) * probability;
        text.append(String.format(Locale.ROOT, "; Thompson: P(challenger better)=%.3f with discount %s, share %.3f "
                + "(floor %s)", probability, bandit.discount(), share, floor));
        List<ExperimentNight> sorted = earlier.stream().filter(n -> n.runDate().isBefore(runDate))
                .sorted((x, y) -> y.runDate().compareTo(x.runDate())).toList(); // newest first
        int above = share >= bandit.promoteShare() ? 1 + streak(sorted, s -> s >= bandit.promoteShare()) : 0;
        int below = share <= bandit.retireShare() ? 1 + streak(sorted, s -> s <= bandit.retireShare()) : 0;
        Experiment.Outcome outcome = Experiment.Outcome.CONTINUE;
        if (above >= bandit.promoteNights()) {
            outcome = Experiment.Outcome.PROMOTE;
            text.append(String.format(Locale.ROOT, "; share >= %s for %d nights: challenger promoted",
                    bandit.promoteShare(), above));
        } else if (below >= bandit.retireNights()) {
            outcome = Experiment.Outcome.RETIRE;
            text.append(String.format(Locale.ROOT, "; share <= %s for %d nights: challenger retired",
                    bandit.retireShare(), below));
        }
        return new ExperimentNight(e.id(), runDate, share, outcome, text.toString());
    }

    private static int streak(List<ExperimentNight> newestFirst, java.util.function.DoublePredicate holds) {
        int n = 0;
        for (ExperimentNight night : newestFirst) {
            if (night.outcome() != Experiment.Outcome.CONTINUE || !holds.test(night.challengerShare())) {
                break;
            }
            n++;
        }
        return n;
    }

    /** {alpha, beta} of the discounted Beta posterior of one arm's KPI, from a Beta(1, 1) prior. */
    static double[] posterior(String arm, int version, List<ArmDayCounts> counts, LocalDate runDate, double discount,
                              boolean conversion) {
        double alpha = 1;
        double beta = 1;
        for (ArmDayCounts c : counts) {
            if (!c.arm().equals(arm) || c.modelVersion() != version) {
                continue;
            }
            long age = Math.max(0, ChronoUnit.DAYS.between(c.date(), runDate));
            double weight = Math.pow(discount, age);
            long successes = Math.min(c.successes(conversion), c.impressions());
            alpha += weight * successes;
            beta += weight * (c.impressions() - successes);
        }
        return new double[] {alpha, beta};
    }

    private static long successes(ArmFigures f, boolean conversion) {
        return conversion ? f.purchases() : f.clicks();
    }

    static String describe(List<ArmFigures> arms, String kpi) {
        StringBuilder text = new StringBuilder(kpi);
        for (ArmFigures a : arms) {
            text.append(String.format(Locale.ROOT, "; %s v%d: %d impressions, %d clicks, %d purchases, %.4f [%.4f, %.4f]",
                    a.arm(), a.modelVersion(), a.impressions(), a.clicks(), a.purchases(), a.kpi(), a.kpiLow(), a.kpiHigh()));
        }
        return text.toString();
    }
}
