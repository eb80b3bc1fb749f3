package io.nightbake.admin;

import io.nightbake.access.ApiKeyRegistry;
import io.nightbake.admin.AdminException.Kind;
import io.nightbake.model.ChampionChange;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.serving.ServingService;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import io.nightbake.tenant.TenantStateChange;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The operators' controls, shared by the admin REST API and the CLI so that both do exactly the same thing: set a
 * tenant's state, pin or roll back its champion, roll back its published snapshot, and look at a tenant's history.
 * Every change is audited with the actor (an operator key's name, or {@code cli:<user>}) and a reason.
 *
 * <p>A serving process sees its own changes at once (the {@link ServingService} is told); other processes follow
 * the registry within {@code nightbake.serving.refresh-millis}.
 */
@Service
public class TenantAdminService {

    private static final Logger log = LoggerFactory.getLogger(TenantAdminService.class);
    public static final int MAX_REASON_LENGTH = 1000;
    /** How a champion rollback shows in the audit trail (and how later rollbacks recognise it). */
    public static final String ROLLBACK_PREFIX = "rollback: ";

    private final TenantRegistry tenants;
    private final ModelRegistry models;
    private final SnapshotRegistry snapshots;
    private final ServingService serving;
    private final ApiKeyRegistry keys;
    private final javax.sql.DataSource dataSource;

    public TenantAdminService(TenantRegistry tenants, ModelRegistry models, SnapshotRegistry snapshots, ServingService serving,
                              ApiKeyRegistry keys, javax.sql.DataSource dataSource) {
        this.dataSource = dataSource;
        this.tenants = tenants;
        this.models = models;
        this.snapshots = snapshots;
        this.serving = serving;
        this.keys = keys;
    }

    public record TenantOverview(String tenant, TenantState state, Instant stateSince, Integer championVersion,
                                 String publishedSnapshot, LocalDate publishedRunDate) {
    }

    public record TenantDetail(String tenant, TenantState state, Instant stateSince, Integer championVersion,
                               String publishedSnapshot, List<StateChangeView> stateHistory,
                               List<ChampionChangeView> championHistory, List<VersionView> versions,
                               List<SnapshotView> snapshots, List<ApiKeyService.ApiKeyView> apiKeys) {
    }

    public record StateChangeView(TenantState from, TenantState to, Instant at, String by, String reason) {
    }

    public record ChampionChangeView(Integer from, int to, Instant at, String by, String reason) {
    }

    public record VersionView(int version, LocalDate runDate, boolean champion, double challengerRmse, Double championRmse,
                              double baselineRmse, Integer comparedWith, String decision, String reason, long trainRows,
                              long holdoutRows, Instant finishedAt) {
    }

    public record SnapshotView(String snapshot, LocalDate runDate, int modelVersion, long customers, long entries,
                               Instant builtAt, boolean published) {
    }

    /** What a state change did; {@code message} says what lookups answer now. */
    public record StateChangeResult(String tenant, TenantState from, TenantState to, boolean changed,
                                    String publishedSnapshot, String message) {
    }

    /** What a pin or a rollback of the champion did; the published lists follow at the next prebake. */
    public record ChampionResult(String tenant, Integer from, int to, boolean changed, String message) {
    }

    public record SnapshotResult(String tenant, String snapshot, LocalDate runDate, int modelVersion, String message) {
    }

    // ---- reading

    public List<TenantOverview> tenants() {
        Map<TenantId, Integer> champions = models.championVersions();
        Map<TenantId, Snapshot> published = snapshots.allCurrent();
        return tenants.list().stream().map(t -> {
            Snapshot served = published.get(t.id());
            return new TenantOverview(t.id().value(), t.state(), t.updatedAt(), champions.get(t.id()),
                    served == null ? null : served.snapshotId(), served == null ? null : served.runDate());
        }).toList();
    }

    public TenantDetail tenant(TenantId id) {
        Tenant tenant = existing(id);
        Integer champion = models.champion(id).map(ModelVersion::version).orElse(null);
        Optional<Snapshot> served = snapshots.current(id);
        String servedId = served.map(Snapshot::snapshotId).orElse(null);
        List<StateChangeView> states = tenants.history(id).stream().map(TenantAdminService::view).toList();
        List<ChampionChangeView> champions = models.championHistory(id).stream()
                .map(c -> new ChampionChangeView(c.oldVersion(), c.newVersion(), c.changedAt(), c.changedBy(), c.reason())).toList();
        List<VersionView> versions = models.versions(id).stream().map(v -> new VersionView(v.version(), v.runDate(),
                champion != null && champion == v.version(), v.challengerRmse(), v.championRmse(), v.baselineRmse(),
                v.comparedWith(), v.decision().name(), v.reason(), v.trainRows(), v.holdoutRows(), v.finishedAt())).toList();
        List<SnapshotView> kept = snapshots.snapshots(id).stream().map(s -> new SnapshotView(s.snapshotId(), s.runDate(),
                s.modelVersion(), s.customers(), s.entries(), s.builtAt(), s.snapshotId().equals(servedId))).toList();
        return new TenantDetail(id.value(), tenant.state(), tenant.updatedAt(), champion, servedId, states, champions, versions,
                kept, keys.list(id).stream().map(ApiKeyService.ApiKeyView::of).toList());
    }

    // ---- changing

    /**
     * Sets the tenant's state. OFF unpublishes its lists at once (lookups answer TENANT_OFF); turning an OFF tenant
     * ON or FROZEN serves again the snapshot it served before (or its newest kept one) and the next nightly run
     * resumes from its champion; FROZEN stops retraining and keeps the champion. Setting the current state changes
     * nothing and is not audited.
     */
    public StateChangeResult setState(TenantId id, TenantState state, String actor, String reason) {
        String why = reason(reason);
        if (state == null) {
            throw AdminException.invalid("a state is required: ON, FROZEN or OFF");
        }
        Tenant before = existing(id);
        if (state != TenantState.OFF && retired(id)) {
            throw new AdminException(Kind.CONFLICT, "retired_tenant", "tenant '" + id + "' is retired (retire-tenant); "
                    + "it stays OFF");
        }
        if (before.state() == state) {
            return new StateChangeResult(id.value(), state, state, false, published(id),
                    "tenant '" + id + "' is already " + state + "; nothing changed");
        }
        tenants.setState(id, state, actor, why);
        String champion = models.champion(id).map(v -> "champion version " + v.version()).orElse("no champion yet");
        List<String> said = new ArrayList<>();
        if (state == TenantState.OFF) {
            Optional<Snapshot> was = snapshots.current(id);
            snapshots.unpublish(id, actor, why);
            serving.unpublished(id);
            serving.stateChanged(id, state);
            said.add(was.map(s -> "unpublished snapshot " + s.snapshotId()).orElse("nothing was published"));
            said.add("lookups answer TENANT_OFF; nightly runs skip the tenant");
        } else {
            if (before.state() == TenantState.OFF) {
                Optional<Snapshot> back = snapshots.republishLastServed(id, actor, why);
                if (back.isPresent()) {
                    said.add("serves snapshot " + back.get().snapshotId() + " again (run " + back.get().runDate()
                            + ", model version " + back.get().modelVersion() + ")" + serveHere(back.get()));
                } else {
                    said.add("no kept snapshot to serve: lookups answer not_published until the next nightly run");
                }
            }
            serving.stateChanged(id, state);
            said.add(state == TenantState.FROZEN
                    ? "retraining stops; nightly runs keep " + champion + " and prebake with it"
                    : "the next nightly run retrains and compares with " + champion);
        }
        return new StateChangeResult(id.value(), before.state(), state, true, published(id),
                "tenant '" + id + "': " + before.state() + " -> " + state + "; " + String.join("; ", said));
    }

    /**
     * Makes an existing model version the tenant's champion and pins it: nightly runs keep training and recording
     * challengers (decision PINNED) but promote none until {@link #unpinChampion}. A version whose figures are not
     * finite, or whose files are gone, is refused: it could neither be scored nor ever be replaced.
     */
    public ChampionResult pinChampion(TenantId id, int version, String actor, String reason) {
        String why = reason(reason);
        existing(id);
        Optional<ModelVersion> found = models.find(id, version);
        if (found.isEmpty()) {
            List<Integer> versions = models.versions(id).stream().map(ModelVersion::version).toList();
            throw new AdminException(Kind.NOT_FOUND, "unknown_version", "tenant '" + id + "' has no model version " + version
                    + (versions.isEmpty() ? "; it has no models yet" : "; its versions are " + versions));
        }
        ModelVersion v = found.get();
        if (!Double.isFinite(v.challengerRmse()) || (v.ranking() != null && !Double.isFinite(v.ranking().ndcg()))) {
            throw new AdminException(Kind.CONFLICT, "unusable_version", "tenant '" + id + "': version " + version
                    + " cannot be pinned: its holdout figures are not finite (RMSE " + v.challengerRmse()
                    + "); pin a version with finite figures");
        }
        java.nio.file.Path files = java.nio.file.Path.of(v.artifactPath());
        if (!java.nio.file.Files.isRegularFile(files.resolve(io.nightbake.retrain.model.ModelArtifacts.RANKING_GRAPH))) {
            throw new AdminException(Kind.CONFLICT, "unusable_version", "tenant '" + id + "': version " + version
                    + " cannot be pinned: its model files are missing from " + files + " (removed by retention?)");
        }
        Integer current = models.champion(id).map(ModelVersion::version).orElse(null);
        models.pin(id, version, actor, why); // moves the champion (audited) or, when it already is, audits the pin
        if (current != null && current == version) {
            return new ChampionResult(id.value(), current, version, false, "version " + version
                    + " is already the champion of tenant '" + id + "'; nothing changed but the pin: nightly runs keep "
                    + "recording challengers but promote none until unpin-model");
        }
        return new ChampionResult(id.value(), current, version, true, moveMessage(id, current, version, true));
    }

    /** Releases the pin on the tenant's champion, so nightly runs may promote challengers again. */
    public ChampionResult unpinChampion(TenantId id, String actor, String reason) {
        String why = reason(reason);
        existing(id);
        Optional<ModelRegistry.Pin> released = models.unpin(id, actor, why);
        if (released.isEmpty()) {
            Integer current = models.champion(id).map(ModelVersion::version).orElse(null);
            return new ChampionResult(id.value(), current, current == null ? 0 : current, false,
                    "tenant '" + id + "' has no pinned champion; nothing changed");
        }
        int version = released.get().version();
        return new ChampionResult(id.value(), version, version, true, "tenant '" + id + "': champion version " + version
                + " is no longer pinned; the next nightly run may promote a better challenger");
    }

    /**
     * Makes the champion before the current one the champion again. Rollbacks undo one step each: after rolling
     * back from 3 to 2, the next rollback goes to 1, not back to 3; after a pin, a rollback undoes the pin (see
     * {@link #previousChampion}). The audit trail records the change with the reason prefixed by
     * {@value #ROLLBACK_PREFIX}.
     */
    public ChampionResult rollbackChampion(TenantId id, String actor, String reason) {
        String why = reason(reason);
        existing(id);
        List<ChampionChange> history = models.championHistory(id);
        if (history.isEmpty()) {
            throw new AdminException(Kind.CONFLICT, "no_champion", "tenant '" + id + "' has no champion yet; nothing to roll back");
        }
        int current = history.get(history.size() - 1).newVersion();
        int previous = previousChampion(history).orElseThrow(() -> new AdminException(Kind.CONFLICT, "no_previous_champion",
                "tenant '" + id + "' has no champion before version " + current + " to roll back to; pin a version instead"));
        return moveChampion(id, previous, actor, truncate(ROLLBACK_PREFIX + why));
    }

    /**
     * Retires a tenant for good: OFF (all work stops, its lists are unpublished), recorded as retired so it is never
     * turned back on by accident; its audit trail stays, and its data, models and snapshots too unless
     * {@code deleteData}.
     */
    public String retire(TenantId id, String actor, String reason, boolean deleteData, java.nio.file.Path home) {
        String why = reason(reason);
        existing(id);
        if (retired(id)) {
            return "tenant '" + id + "' is already retired; nothing changed";
        }
        StateChangeResult off = setState(id, TenantState.OFF, actor, "retired: " + why);
        new io.nightbake.jdbc.Jdbc(dataSource).inTransaction(c -> io.nightbake.jdbc.Jdbc.update(c,
                "INSERT INTO nb_retired_tenant (tenant_id, retired_at, retired_by, reason, data_deleted) VALUES (?, ?, ?, ?, ?)",
                id.value(), Instant.now(), actor, truncate(why), deleteData));
        List<String> deleted = new ArrayList<>();
        if (deleteData) {
            for (String folder : List.of("tenants", "models", "snapshots")) {
                java.nio.file.Path dir = home.resolve(folder).resolve(id.value());
                if (java.nio.file.Files.exists(dir)) {
                    deleteTree(dir);
                    deleted.add(dir.toString());
                }
            }
        }
        return "tenant '" + id + "' retired: " + off.message() + (deleteData ? "; deleted " + deleted
                : "; its data, models and snapshots stay on disk (--delete-data removes them)");
    }

    public boolean retired(TenantId id) {
        return retired(dataSource, id);
    }

    /** Whether the tenant was retired ({@code retire-tenant}); a read, for the read-only command line too. */
    public static boolean retired(javax.sql.DataSource dataSource, TenantId id) {
        return new io.nightbake.jdbc.Jdbc(dataSource).queryOne("SELECT tenant_id FROM nb_retired_tenant WHERE tenant_id = ?",
                row -> row.getString(1), id.value()).isPresent();
    }

    private static void deleteTree(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    /** After a snapshot rollback: serves the next newer kept snapshot (by run date) at once. */
    public SnapshotResult rollForwardSnapshot(TenantId id, String actor, String reason) {
        String why = reason(reason);
        existing(id);
        Snapshot next;
        try {
            next = snapshots.rollForward(id, actor, why);
        } catch (IllegalStateException e) {
            throw new AdminException(Kind.CONFLICT, "no_snapshot_to_roll_forward_to", e.getMessage());
        }
        return new SnapshotResult(id.value(), next.snapshotId(), next.runDate(), next.modelVersion(),
                "tenant '" + id + "' now serves snapshot " + next.snapshotId() + " (run " + next.runDate()
                        + ", model version " + next.modelVersion() + ")" + serveHere(next));
    }

    /** Serves the tenant's previous snapshot at once. */
    public SnapshotResult rollbackSnapshot(TenantId id, String actor, String reason) {
        String why = reason(reason);
        existing(id);
        Snapshot previous;
        try {
            previous = snapshots.rollback(id, actor, why);
        } catch (IllegalStateException e) {
            throw new AdminException(Kind.CONFLICT, "no_snapshot_to_roll_back_to", e.getMessage());
        }
        return new SnapshotResult(id.value(), previous.snapshotId(), previous.runDate(), previous.modelVersion(),
                "tenant '" + id + "' now serves snapshot " + previous.snapshotId() + " (run " + previous.runDate()
                        + ", model version " + previous.modelVersion() + ")" + serveHere(previous));
    }

    /**
     * The champion before the current one, replaying the champion history as a stack: a promotion or a pin pushes
     * its version; a rollback (a change audited with the {@value #ROLLBACK_PREFIX} prefix) pops back to the version
     * under the top. So repeated rollbacks walk back through the champions instead of toggling between the last two,
     * and a rollback right after a pin undoes the pin.
     */
    static Optional<Integer> previousChampion(List<ChampionChange> history) {
        List<Integer> stack = new ArrayList<>();
        for (ChampionChange change : history) {
            int version = change.newVersion();
            boolean rollback = change.reason() != null && change.reason().startsWith(ROLLBACK_PREFIX);
            if (rollback && stack.size() >= 2 && stack.get(stack.size() - 2) == version) {
                stack.remove(stack.size() - 1);
            } else if (stack.isEmpty() || stack.get(stack.size() - 1) != version) {
                stack.add(version);
            }
        }
        return stack.size() >= 2 ? Optional.of(stack.get(stack.size() - 2)) : Optional.empty();
    }

    private ChampionResult moveChampion(TenantId id, int version, String actor, String why) {
        Integer current = models.champion(id).map(ModelVersion::version).orElse(null);
        if (current != null && current == version) {
            return new ChampionResult(id.value(), current, version, false,
                    "version " + version + " is already the champion of tenant '" + id + "'; nothing changed");
        }
        models.pinChampion(id, version, actor, why);
        return new ChampionResult(id.value(), current, version, true, moveMessage(id, current, version, false));
    }

    private String moveMessage(TenantId id, Integer current, int version, boolean pinned) {
        Tenant tenant = tenants.get(id);
        String served = snapshots.current(id).map(s -> "until then lookups serve snapshot " + s.snapshotId()
                + ", built with model version " + s.modelVersion()).orElse("the tenant has no published lists yet");
        String next = switch (tenant.state()) {
            case ON -> pinned ? "; pinned: nightly runs keep training and recording challengers but promote none until "
                    + "unpin-model" : "; the next nightly run compares its challenger with version " + version
                    + " and may promote it (set the tenant FROZEN to keep this champion)";
            case FROZEN -> "; the tenant is FROZEN, so nightly runs keep version " + version;
            case OFF -> "; the tenant is OFF: nothing is prebaked until it is turned back on";
        };
        return "tenant '" + id + "': champion " + current + " -> "
                + version + "; the published lists change at the next prebake (nightly run), " + served + next;
    }

    /** Loads the snapshot into this process's serving index when it serves; says so when that fails. */
    private String serveHere(Snapshot snapshot) {
        try {
            serving.published(snapshot);
            return "";
        } catch (RuntimeException e) {
            log.error("snapshot {} of tenant {} is published but cannot be loaded: {}", snapshot.snapshotId(), snapshot.tenant(),
                    e.getMessage());
            return "; WARNING: this process cannot load it (" + e.getMessage() + ")";
        }
    }

    private String published(TenantId id) {
        return snapshots.current(id).map(Snapshot::snapshotId).orElse(null);
    }

    private Tenant existing(TenantId id) {
        return tenants.find(id).orElseThrow(() -> new AdminException(Kind.NOT_FOUND, "unknown_tenant", "unknown tenant '" + id + "'"));
    }

    /** Every change needs a reason for the audit trail. */
    static String reason(String reason) {
        if (reason == null || reason.isBlank()) {
            throw AdminException.invalid("a reason is required: say why, for the audit trail");
        }
        String trimmed = reason.strip();
        if (trimmed.length() > MAX_REASON_LENGTH) {
            throw AdminException.invalid("a reason must be at most " + MAX_REASON_LENGTH + " characters, was " + trimmed.length());
        }
        return trimmed;
    }

    private static String truncate(String text) {
        return text.length() <= MAX_REASON_LENGTH ? text : text.substring(0, MAX_REASON_LENGTH - 3) + "...";
    }

    private static StateChangeView view(TenantStateChange c) {
        return new StateChangeView(c.oldState(), c.newState(), c.changedAt(), c.changedBy(), c.reason());
    }
}
