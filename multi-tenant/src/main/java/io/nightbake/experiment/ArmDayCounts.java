package io.nightbake.experiment;

import java.time.LocalDate;

/**
 * Ground truth for one arm on one day: how often its lists were shown, clicked and bought from, as attributed through
 * the recommendationId (tenant, snapshot, model version, arm).
 */
public record ArmDayCounts(LocalDate date, String arm, int modelVersion, long impressions, long clicks, long purchases) {

    public ArmDayCounts {
        if (impressions < 0 || clicks < 0 || purchases < 0) {
            throw new IllegalArgumentException("arm '" + arm + "' on " + date + ": counts must be >= 0");
        }
    }

    /** Successes of the KPI: clicks (click-through) or purchases (conversion). */
    public long successes(boolean conversion) {
        return conversion ? purchases : clicks;
    }
}
