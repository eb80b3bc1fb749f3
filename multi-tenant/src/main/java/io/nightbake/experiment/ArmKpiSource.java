package io.nightbake.experiment;

import io.nightbake.tenant.TenantId;
import java.time.LocalDate;
import java.util.List;

/**
 * KPI counts per arm per day, the only thing the experiments read from the feedback loop. The feedback issue's event
 * store provides them (impressions, clicks and purchases attributed by recommendationId); {@link JdbcArmKpiSource}
 * reads them with one SQL query, and tests and the simulation provide them in memory.
 */
public interface ArmKpiSource {

    /** Every (day, arm, model version) of the tenant with events on a day from {@code from} to {@code to}, inclusive. */
    List<ArmDayCounts> counts(TenantId tenant, LocalDate from, LocalDate to);
}
