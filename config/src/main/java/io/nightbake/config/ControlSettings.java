package io.nightbake.config;

import java.util.List;
import java.util.Locale;

/**
 * Automatic control of which model version a tenant serves: the template's {@code control:} section. A tenant in
 * {@value #MANUAL} mode is promoted on the offline gate alone (pins and freezes by hand); in {@value #AB} or
 * {@value #BANDIT} mode a challenger that passes the offline gate (or comes within {@code offlineGateMargin} of it)
 * is tested on real customers against the champion before it takes all traffic. The per-tenant mode may be changed
 * in the database (admin API, CLI); this record holds the template default and every parameter.
 *
 * @param mode              the template's default mode: {@value #MANUAL}, {@value #AB} or {@value #BANDIT}
 * @param kpi               {@value #CLICK_THROUGH} (clicks / impressions) or {@value #CONVERSION} (purchases / impressions)
 * @param baselineShare     share of each experiment tenant's customers held back on the popularity baseline (0: none),
 *                          the counterfactual the uplift is measured against
 * @param offlineGateMargin a challenger the offline gate rejects still gets an arm when it is worse than the champion by
 *                          at most this much, in the gate metric's units (0: only challengers that pass the gate)
 * @param ab                the A/B test's parameters
 * @param bandit            the Thompson-sampling bandit's parameters
 */
public record ControlSettings(String mode, String kpi, double baselineShare, double offlineGateMargin, Ab ab,
                              Bandit bandit) implements java.io.Serializable { // travels in Spark retrain tasks

    public static final String MANUAL = "manual";
    public static final String AB = "ab";
    public static final String BANDIT = "bandit";
    public static final List<String> MODES = List.of(MANUAL, AB, BANDIT);

    public static final String CLICK_THROUGH = "click-through";
    public static final String CONVERSION = "conversion";
    public static final List<String> KPIS = List.of(CLICK_THROUGH, CONVERSION);

    /** Everything at its default: manual mode. */
    public static final ControlSettings DEFAULTS = new ControlSettings(MANUAL, CLICK_THROUGH, 0.0, 0.0,
            new Ab(0.5, 0.05, 1000, 14), new Bandit(0.9, 0.05, 0.8, 3, 0.1, 3));

    public ControlSettings {
        mode = checkMode(mode, "control.mode");
        if (!KPIS.contains(kpi)) {
            throw new ConfigException("'control.kpi': '" + kpi + "' is not allowed; allowed values: " + String.join(", ", KPIS));
        }
        if (!(baselineShare >= 0 && baselineShare <= 0.5)) {
            throw new ConfigException("'control.baseline-share': " + baselineShare + " is out of range; allowed values: 0.0..0.5");
        }
        if (!(offlineGateMargin >= 0 && offlineGateMargin <= 100)) {
            throw new ConfigException("'control.offline-gate-margin': " + offlineGateMargin
                    + " is out of range; allowed values: 0.0..100.0");
        }
    }

    /** The mode in lower case if it is one of {@link #MODES}, else an error naming {@code key}. */
    public static String checkMode(String mode, String key) {
        String value = mode == null ? "" : mode.strip().toLowerCase(Locale.ROOT);
        if (!MODES.contains(value)) {
            throw new ConfigException("'" + key + "': '" + mode + "' is not allowed; allowed values: " + String.join(", ", MODES));
        }
        return value;
    }

    public boolean conversion() {
        return CONVERSION.equals(kpi);
    }

    /** The same settings with another default mode. */
    public ControlSettings withMode(String newMode) {
        return new ControlSettings(newMode, kpi, baselineShare, offlineGateMargin, ab, bandit);
    }

    /**
     * A/B test: a fixed split until every arm has {@code minSample} impressions or the test has run {@code maxDays}
     * nights, then a one-sided two-proportion z-test at {@code alpha} promotes the challenger or keeps the champion.
     *
     * @param split     the challenger's share of the non-baseline customers (0.5: 50/50)
     */
    public record Ab(double split, double alpha, int minSample, int maxDays) implements java.io.Serializable {
        public Ab {
            range("control.ab.split", split, 0.05, 0.95);
            range("control.ab.alpha", alpha, 0.001, 0.5);
            if (minSample < 1) {
                throw new ConfigException("'control.ab.min-sample': " + minSample + " is out of range; allowed values: 1..");
            }
            if (maxDays < 1 || maxDays > 365) {
                throw new ConfigException("'control.ab.max-days': " + maxDays + " is out of range; allowed values: 1..365");
            }
        }
    }

    /**
     * Thompson-sampling bandit over champion and challenger: Beta posteriors of the KPI per arm, yesterday's evidence
     * weighted by {@code discount} per night of age (1: never forget), each arm's share at least
     * {@code explorationFloor}; an arm whose share stays at or above {@code promoteShare} for {@code promoteNights}
     * nights running becomes champion, a challenger at or below {@code retireShare} for {@code retireNights} nights
     * running is retired.
     */
    public record Bandit(double discount, double explorationFloor, double promoteShare, int promoteNights,
                         double retireShare, int retireNights) implements java.io.Serializable {
        public Bandit {
            range("control.bandit.discount", discount, 0.5, 1.0);
            range("control.bandit.exploration-floor", explorationFloor, 0.0, 0.45);
            range("control.bandit.promote-share", promoteShare, 0.5, 1.0);
            range("control.bandit.retire-share", retireShare, 0.0, 0.5);
            if (promoteShare > 1 - explorationFloor) {
                throw new ConfigException("'control.bandit.promote-share': " + promoteShare + " can never be reached with "
                        + "exploration-floor " + explorationFloor + "; it must be at most " + (1 - explorationFloor));
            }
            if (retireShare < explorationFloor) {
                throw new ConfigException("'control.bandit.retire-share': " + retireShare + " can never be reached with "
                        + "exploration-floor " + explorationFloor + "; it must be at least the floor");
            }
            if (promoteNights < 1 || promoteNights > 60) {
                throw new ConfigException("'control.bandit.promote-nights': " + promoteNights
                        + " is out of range; allowed values: 1..60");
            }
            if (retireNights < 1 || retireNights > 60) {
                throw new ConfigException("'control.bandit.retire-nights': " + retireNights
                        + " is out of range; allowed values: 1..60");
            }
        }
    }

    private static void range(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ConfigException("'" + key + "': " + value + " is out of range; allowed values: " + min + ".." + max);
        }
    }
}
