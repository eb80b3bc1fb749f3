package io.nightbake.feedback;

import io.nightbake.model.ChampionChange;
import io.nightbake.model.ModelRegistry;
import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * The fleet at a macro level, per day: how many tenants were ON, FROZEN and OFF at the end of the day, which changed
 * state and why, and the fleet's click-through and conversion (attributed events only); plus the warnings: too large
 * a share of tenants switched OFF in the last 7 days, or a tenant whose promoted champion's CTR is significantly below
 * its predecessor's.
 */
@Service
public class FleetHealthService {

    private final JdbcTemplate jdbc;
    private final EventStore store;
    private final TenantRegistry tenants;
    private final ModelRegistry models;
    private final FeedbackSettings settings;
    private final Clock clock;

    public FleetHealthService(DataSource dataSource, EventStore store, TenantRegistry tenants, ModelRegistry models,
                              FeedbackSettings settings, Clock clock) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.store = store;
        this.tenants = tenants;
        this.models = models;
        this.settings = settings;
        this.clock = clock;
    }

    public record StateChange(String tenant, String from, String to, Instant at, String reason) {
    }

    public record Day(LocalDate date, int on, int frozen, int off, int stateChanges, List<StateChange> changes,
                      long impressions, long clicks, long purchases, double ctr, double conversion) {
    }

    public record Warning(String kind, String tenant, String message) {
    }

    public record FleetHealth(List<Day> days, List<Warning> warnings) {
    }

    private record Change(String tenant, String oldState, String newState, Instant at, String reason) {
    }

    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    public FleetHealth of(LocalDate to, int dayCount) {
        LocalDate from = to.minusDays(dayCount - 1L);
        List<Change> changes = jdbc.query("SELECT tenant_id, old_state, new_state, changed_at, reason "
                        + "FROM nb_tenant_state_change ORDER BY changed_at, id",
                (row, i) -> new Change(row.getString(1), row.getString(2), row.getString(3), row.getTimestamp(4).toInstant(),
                        row.getString(5)));
        Map<LocalDate, long[]> traffic = new HashMap<>();
        for (EventStore.DailyCounts c : store.daily(null, from, to)) {
            if (c.modelVersion() >= 0) {
                long[] t = traffic.computeIfAbsent(c.date(), d -> new long[3]);
                t[0] += c.impressions();
                t[1] += c.clicks();
                t[2] += c.purchases();
            }
        }
        List<Day> days = new ArrayList<>();
        Map<String, String> state = new HashMap<>();
        int next = 0;
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
            Instant end = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            List<StateChange> today = new ArrayList<>();
            while (next < changes.size() && changes.get(next).at().isBefore(end)) {
                Change c = changes.get(next++);
                state.put(c.tenant(), c.newState());
                if (c.oldState() != null && !c.at().isBefore(start)) {
                    today.add(new StateChange(c.tenant(), c.oldState(), c.newState(), c.at(), c.reason()));
                }
            }
            int on = 0;
            int frozen = 0;
            int off = 0;
            for (String s : state.values()) {
                switch (s) {
                    case "ON" -> on++;
                    case "FROZEN" -> frozen++;
                    default -> off++;
                }
            }
            long[] t = traffic.getOrDefault(day, new long[3]);
            days.add(new Day(day, on, frozen, off, today.size(), today, t[0], t[1], t[2],
                    PerformanceService.rate(t[1], t[0]), PerformanceService.rate(t[2], t[0])));
        }
        return new FleetHealth(days, warnings(changes, to));
    }

    /** The warnings as of the end of {@code to}. */
    public List<Warning> warnings(LocalDate to) {
        List<Change> changes = jdbc.query("SELECT tenant_id, old_state, new_state, changed_at, reason "
                        + "FROM nb_tenant_state_change WHERE changed_at >= ? ORDER BY changed_at, id",
                (row, i) -> new Change(row.getString(1), row.getString(2), row.getString(3), row.getTimestamp(4).toInstant(),
                        row.getString(5)), Timestamp.from(to.minusDays(7).atStartOfDay(ZoneOffset.UTC).toInstant()));
        return warnings(changes, to);
    }

    private List<Warning> warnings(List<Change> changes, LocalDate to) {
        List<Warning> warnings = new ArrayList<>();
        Instant end = to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant weekAgo = end.minusSeconds(7 * 86_400L);
        Set<String> switchedOff = new HashSet<>();
        for (Change c : changes) {
            if (c.oldState() != null && !c.oldState().equals("OFF") && c.newState().equals("OFF")
                    && !c.at().isBefore(weekAgo) && c.at().isBefore(end)) {
                switchedOff.add(c.tenant());
            }
        }
        List<Tenant> fleet = tenants.list();
        if (!fleet.isEmpty()) {
            double share = switchedOff.size() / (double) fleet.size();
            if (share > settings.switchedOffShare()) {
                warnings.add(new Warning("switched_off_share", null, String.format(Locale.ROOT,
                        "%d of %d tenants (%.1f%%) switched OFF in the 7 days to %s, above the threshold of %.1f%% "
                                + "(nightbake.feedback.switched-off-share): clients may be unhappy with the lists' quality",
                        switchedOff.size(), fleet.size(), 100 * share, to, 100 * settings.switchedOffShare())));
            }
        }
        List<EventStore.DailyCounts> counts = store.daily(null, to.minusDays(89), to);
        Map<String, Map<Integer, long[]>> byTenant = new HashMap<>();
        for (EventStore.DailyCounts c : counts) {
            if (c.modelVersion() >= 0) {
                long[] v = byTenant.computeIfAbsent(c.tenant().value(), t -> new HashMap<>())
                        .computeIfAbsent(c.modelVersion(), k -> new long[2]);
                v[0] += c.impressions();
                v[1] += c.clicks();
            }
        }
        for (Map.Entry<String, Map<Integer, long[]>> tenant : byTenant.entrySet()) {
            List<ChampionChange> history = models.championHistory(TenantId.of(tenant.getKey()));
            if (history.isEmpty()) {
                continue;
            }
            ChampionChange last = history.get(history.size() - 1); // the history is in order
            if (last.oldVersion() == null) {
                continue;
            }
            long[] before = tenant.getValue().get(last.oldVersion());
            long[] after = tenant.getValue().get(last.newVersion());
            if (before == null || after == null) {
                continue;
            }
            double p = Wilson.pBelow(before[1], before[0], after[1], after[0]);
            if (p < settings.ctrDropAlpha()) {
                warnings.add(new Warning("ctr_drop_after_promotion", tenant.getKey(), String.format(Locale.ROOT,
                        "tenant '%s': champion version %d has CTR %.4f (%d/%d) against %.4f (%d/%d) of version %d before "
                                + "it (one-sided p = %.2g < %.2g); consider rollback-model",
                        tenant.getKey(), last.newVersion(), PerformanceService.rate(after[1], after[0]), after[1], after[0],
                        PerformanceService.rate(before[1], before[0]), before[1], before[0], last.oldVersion(), p,
                        settings.ctrDropAlpha())));
            }
        }
        return warnings;
    }

    /** Tenants per state now. */
    public Map<TenantState, Long> tenantsByState() {
        Map<TenantState, Long> counts = new HashMap<>();
        for (TenantState s : TenantState.values()) {
            counts.put(s, 0L);
        }
        jdbc.query("SELECT state, count(*) FROM nb_tenant GROUP BY state",
                row -> {
                    counts.put(TenantState.valueOf(row.getString(1)), row.getLong(2));
                });
        return counts;
    }
}
