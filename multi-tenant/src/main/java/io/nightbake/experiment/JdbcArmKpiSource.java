package io.nightbake.experiment;

import io.nightbake.jdbc.Jdbc;
import io.nightbake.tenant.TenantId;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@link ArmKpiSource} over SQL. The query takes the tenant id and the first and last day (three parameters, in that
 * order) and returns the columns {@code event_date} (DATE), {@code arm}, {@code model_version}, {@code impressions},
 * {@code clicks} and {@code purchases}. The default reads the feedback loop's daily roll-up {@code nb_feedback_daily}.
 */
public final class JdbcArmKpiSource implements ArmKpiSource {

    /**
     * The feedback loop's daily roll-up ({@code nb_feedback_daily}: events per tenant, day, snapshot, model version and
     * arm, attributed by recommendationId), summed over snapshots.
     */
    public static final String DAILY_TABLE_SQL = "SELECT event_date, arm, model_version, SUM(impressions) AS impressions, "
            + "SUM(clicks) AS clicks, SUM(purchases) AS purchases FROM nb_feedback_daily "
            + "WHERE tenant_id = ? AND event_date >= ? AND event_date <= ? GROUP BY event_date, arm, model_version "
            + "ORDER BY event_date, arm";

    private final Jdbc jdbc;
    private final String sql;

    public JdbcArmKpiSource(DataSource dataSource) {
        this(dataSource, DAILY_TABLE_SQL);
    }

    public JdbcArmKpiSource(DataSource dataSource, String sql) {
        this.jdbc = new Jdbc(dataSource);
        this.sql = sql;
    }

    @Override
    public List<ArmDayCounts> counts(TenantId tenant, LocalDate from, LocalDate to) {
        return jdbc.query(sql, row -> new ArmDayCounts(row.getDate("event_date").toLocalDate(), row.getString("arm"),
                row.getInt("model_version"), row.getLong("impressions"), row.getLong("clicks"), row.getLong("purchases")),
                tenant.value(), Date.valueOf(from), Date.valueOf(to));
    }
}
