package io.nightbake.cli;

import io.nightbake.NightbakeCli;
import io.nightbake.access.ApiKeyRegistry;
import io.nightbake.admin.ApiKeyService;
import io.nightbake.admin.TenantAdminService;
import io.nightbake.batch.TenantDiscovery;
import io.nightbake.cli.CommandLine.UsageException;
import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The operators' commands: tenant states, champion pins and rollbacks, snapshot rollback, API keys. They do what the
 * admin REST API does, through the same services, audited as {@code cli:<os user>}.
 */
public final class OperatorCommands {

    private OperatorCommands() {
    }

    /**
     * Lists tenants; changes nothing (a new data folder is shown, and registered by the next night). Runs in the
     * read-only context (no Flyway migration, Spring Batch, Quartz or Spark).
     */
    public static int tenants(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of());
        try (ReadOnlyContext context = ReadOnlyContext.open(line.springArgs())) {
            javax.sql.DataSource database = context.get(javax.sql.DataSource.class);
            for (Tenant tenant : context.get(TenantRegistry.class).list()) {
                out.printf("%-20s %-7s since %s%s%n", tenant.id(), tenant.state(), tenant.updatedAt(),
                        TenantAdminService.retired(database, tenant.id()) ? "  (retired)" : "");
            }
            for (TenantId folder : context.get(TenantDiscovery.class).newFolders()) {
                out.printf("%-20s %-7s (new data folder: the next night registers it as ON)%n", folder, "-");
            }
            return 0;
        }
    }

    /** {@code retire-tenant --tenant T --reason TEXT [--delete-data]}. */
    public static int retireTenant(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant", "reason", "delete-data"));
        TenantId tenant = tenantId(line.required("tenant"));
        String reason = reason(line);
        try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
            out.println(context.getBean(TenantAdminService.class).retire(tenant, operator(), reason, line.flag("delete-data"),
                    context.getBean(io.nightbake.NightbakeProperties.class).home()));
            return 0;
        }
    }

    /**
     * {@code check-data --tenant T [--date D]}: reads and validates the tenant's files now, without Spring or a
     * database, and prints what the night would say; with a date, also whether there is anything to train on.
     */
    public static int checkData(CommandLine line, PrintStream out, java.nio.file.Path home, String template) {
        line.allowOnly(Set.of("tenant", "date"));
        TenantId tenant = tenantId(line.required("tenant"));
        java.nio.file.Path dir = home.resolve("tenants").resolve(tenant.value());
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new UsageException("tenant '" + tenant + "' has no data folder at " + dir.toAbsolutePath());
        }
        java.time.LocalDate date = null;
        if (line.flag("date")) {
            try {
                date = java.time.LocalDate.parse(line.required("date"));
            } catch (java.time.format.DateTimeParseException e) {
                throw new UsageException("--date must be YYYY-MM-DD, was '" + line.required("date") + "'");
            }
        }
        io.nightbake.retrain.data.TenantDataset data;
        try {
            data = io.nightbake.retrain.data.TenantDataReader.read(tenant, dir);
        } catch (io.nightbake.retrain.data.TenantDataException e) {
            out.println(e.getMessage());
            return 1;
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int row = 0; row < data.interactionCount(); row++) {
            first = Math.min(first, data.eventTimeMicros(row));
            last = Math.max(last, data.eventTimeMicros(row));
        }
        out.printf("tenant '%s': data is valid: %d interactions (%s .. %s), %d customers, %d products%n", tenant,
                data.interactionCount(), java.time.Instant.ofEpochSecond(0, first * 1000L),
                java.time.Instant.ofEpochSecond(0, last * 1000L), data.customerCount(), data.productCount());
        if (date != null) {
            long cutoff = date.plusDays(1).atStartOfDay(java.time.ZoneOffset.UTC).toEpochSecond() * 1_000_000L;
            var split = io.nightbake.retrain.pipeline.HoldoutSplit.mostRecent(data,
                    io.nightbake.config.TemplateLoader.load(template).holdoutFraction(), cutoff);
            if (split.trainRows().length == 0 || split.holdoutRows().length == 0) {
                out.println(io.nightbake.retrain.pipeline.TenantRetrainer.nothingToTrainOn(data, split, date));
                return 1;
            }
            out.printf("run date %s: %d interactions to train on, %d held out%n", date, split.trainRows().length,
                    split.holdoutRows().length);
        }
        return 0;
    }

    public static int rollbackSnapshot(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant", "reason"));
        TenantId tenant = tenantId(line.required("tenant"));
        String reason = line.option("reason", "rollback from the command line");
        try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
            out.println(context.getBean(TenantAdminService.class).rollbackSnapshot(tenant, operator(), reason).message());
            return 0;
        }
    }

    public static int rollForwardSnapshot(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant", "reason"));
        TenantId tenant = tenantId(line.required("tenant"));
        String reason = line.option("reason", "roll forward from the command line");
        try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
            out.println(context.getBean(TenantAdminService.class).rollForwardSnapshot(tenant, operator(), reason).message());
            return 0;
        }
    }

    public static int setState(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant", "state", "reason"));
        TenantId tenant = tenantId(line.required("tenant"));
        String value = line.required("state");
        TenantState state;
        try {
            state = TenantState.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--state must be ON, FROZEN or OFF, was '" + value + "'");
        }
        String reason = reason(line);
        try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
            out.println(context.getBean(TenantAdminService.class).setState(tenant, state, operator(), reason).message());
            return 0;
        }
    }

    public static int pinModel(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant", "version", "reason"));
        TenantId tenant = tenantId(line.required("tenant"));
        line.required("version");
        int version = line.integer("version", 0, 1, Integer.MAX_VALUE);
        String reason = reason(line);
        try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
            out.println(context.getBean(TenantAdminService.class).pinChampion(tenant, version, operator(), reason).message());
            return 0;
        }
    }

    public static int unpinModel(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant", "reason"));
        TenantId tenant = tenantId(line.required("tenant"));
        String reason = reason(line);
        try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
            out.println(context.getBean(TenantAdminService.class).unpinChampion(tenant, operator(), reason).message());
            return 0;
        }
    }

    public static int rollbackModel(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant", "reason"));
        TenantId tenant = tenantId(line.required("tenant"));
        String reason = reason(line);
        try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
            out.println(context.getBean(TenantAdminService.class).rollbackChampion(tenant, operator(), reason).message());
            return 0;
        }
    }

    /** {@code api-key create|revoke|list}. */
    public static int apiKey(String action, CommandLine line, PrintStream out) {
        if (action == null) {
            throw new UsageException("api-key needs an action: create, revoke or list");
        }
        switch (action) {
            case "create" -> {
                line.allowOnly(Set.of("tenant", "name", "operator"));
                boolean operatorKey = line.flag("operator");
                if (operatorKey == line.flag("tenant")) {
                    throw new UsageException("api-key create needs either --tenant T --name NAME or --operator NAME");
                }
                if (operatorKey && line.flag("name")) {
                    throw new UsageException("api-key create --operator NAME takes the name as the value of --operator");
                }
                TenantId tenant = operatorKey ? null : tenantId(line.required("tenant"));
                String name = keyName(operatorKey ? line.required("operator") : line.required("name"));
                try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
                    ApiKeyService keys = context.getBean(ApiKeyService.class);
                    ApiKeyService.NewApiKey key = operatorKey ? keys.createOperatorKey(name, operator())
                            : keys.createTenantKey(tenant, name, operator());
                    out.printf("created %s key '%s'%s (id %s): %s   store it now, it is not shown again%n",
                            key.role(), key.name(), key.tenant() == null ? "" : " for tenant " + key.tenant(), key.id(), key.key());
                    return 0;
                }
            }
            case "revoke" -> {
                line.allowOnly(Set.of("id", "reason"));
                String id = line.required("id");
                String reason = line.option("reason", "revoked from the command line");
                try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
                    out.println(context.getBean(ApiKeyService.class).revoke(id, operator(), reason).message());
                    return 0;
                }
            }
            case "list" -> {
                line.allowOnly(Set.of("tenant"));
                TenantId tenant = line.flag("tenant") ? tenantId(line.required("tenant")) : null;
                try (ReadOnlyContext context = ReadOnlyContext.open(line.springArgs())) {
                    ApiKeyService keys = context.get(ApiKeyService.class);
                    List<ApiKeyService.ApiKeyView> all = tenant == null ? keys.list() : keys.list(tenant);
                    out.printf("%-16s  %-8s  %-20s  %-24s  %-27s  %s%n", "id", "role", "tenant", "name", "created", "status");
                    for (ApiKeyService.ApiKeyView k : all) {
                        out.printf("%-16s  %-8s  %-20s  %-24s  %-27s  %s%n", k.id(), k.role(), k.tenant() == null ? "-" : k.tenant(),
                                k.name(), k.createdAt() + " by " + k.createdBy(), k.active() ? "active"
                                        : "revoked " + k.revokedAt() + " by " + k.revokedBy());
                    }
                    return 0;
                }
            }
            default -> throw new UsageException("unknown api-key action '" + action + "': use create, revoke or list");
        }
    }

    /** The --reason of an operator control: required, for the audit trail. */
    private static String reason(CommandLine line) {
        String reason = line.required("reason");
        if (reason.isBlank() || reason.strip().length() > TenantAdminService.MAX_REASON_LENGTH) {
            throw new UsageException("--reason must say why (1-" + TenantAdminService.MAX_REASON_LENGTH + " characters)");
        }
        return reason.strip();
    }

    private static String keyName(String name) {
        try {
            return ApiKeyRegistry.checkName(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static TenantId tenantId(String value) {
        try {
            return TenantId.of(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Who is at the keyboard, for the audit trail. */
    static String operator() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }
}
