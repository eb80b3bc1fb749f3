package io.nightbake.cli;

import io.nightbake.NightbakeCli;
import io.nightbake.NightbakeProperties;
import io.nightbake.access.ActiveApiKeys;
import io.nightbake.access.ApiKeyRegistry;
import io.nightbake.admin.ApiKeyService;
import io.nightbake.batch.RunReport;
import io.nightbake.batch.TenantDiscovery;
import io.nightbake.config.TemplateLoader;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.control.ControlService;
import io.nightbake.experiment.ExperimentRegistry;
import io.nightbake.experiment.JdbcArmKpiSource;
import io.nightbake.model.ModelRegistry;
import io.nightbake.runs.RunQueries;
import io.nightbake.tenant.TenantRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.support.JdbcJobRepositoryFactoryBean;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.bootstrap.DefaultBootstrapContext;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jdbc.DatabaseDriver;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the read-only commands ({@code tenants}, {@code runs}, {@code api-key list}, {@code experiment}) read through,
 * without starting the application: the configuration is Spring Boot's own (application.yaml, profiles such as
 * {@code --spring.profiles.active=postgres}, {@code --spring.*} arguments, environment variables, bound by Boot's
 * binder), the database is the one {@code spring.datasource.*} names, and the objects are the same registries and
 * services the application uses. Nothing else starts: no Spring context, no Flyway, Spring Batch jobs, Quartz, Spark,
 * web server, scheduled task or tenant discovery, and nothing is written.
 *
 * <p>The schema is not migrated: a database whose Flyway history lacks one of this build's migrations (a new or an
 * older database) is refused with {@link SchemaNotCurrentException}; a full command ({@code recover}, {@code run-nightly},
 * {@code serve}) migrates it. {@code --nightbake.cli.fast-reads=false} runs the read-only commands in the full
 * application instead (same output, with the start-up and migration of every other command).
 */
public final class ReadOnlyContext implements AutoCloseable {

    /** The property that sends the read-only commands through the full application. */
    public static final String FAST_READS = "nightbake.cli.fast-reads";

    private final Map<Class<?>, Supplier<?>> lean;
    private final Map<Class<?>, Object> made = new HashMap<>();
    private final ConfigurableApplicationContext full;
    private final SingleConnectionDataSource connection;

    private ReadOnlyContext(Map<Class<?>, Supplier<?>> lean, SingleConnectionDataSource connection,
                            ConfigurableApplicationContext full) {
        this.lean = lean;
        this.connection = connection;
        this.full = full;
    }

    /** The objects of a read-only command: built here on one connection, or the full application's beans. */
    public static ReadOnlyContext open(List<String> springArgs) {
        if (springArgs.contains("--" + FAST_READS + "=false")) {
            return new ReadOnlyContext(null, null, NightbakeCli.start(springArgs, WebApplicationType.NONE));
        }
        // the application's logging settings say WARN for everything outside Nightbake (no Spring to apply them here)
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(springArgs.toArray(String[]::new)));
        DefaultResourceLoader resources = new DefaultResourceLoader(ReadOnlyContext.class.getClassLoader());
        ConfigDataEnvironmentPostProcessor.applyTo(environment, resources, new DefaultBootstrapContext(), List.of());
        Binder binder = Binder.get(environment);

        DataSourceProperties datasource = binder.bindOrCreate("spring.datasource", Bindable.of(DataSourceProperties.class));
        datasource.setBeanClassLoader(ReadOnlyContext.class.getClassLoader());
        try {
            datasource.afterPropertiesSet();
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        String url = datasource.determineUrl();
        SingleConnectionDataSource database = new SingleConnectionDataSource(url, datasource.determineUsername(),
                datasource.determinePassword(), true);
        if (datasource.determineDriverClassName() != null) {
            database.setDriverClassName(datasource.determineDriverClassName());
        }
        try {
            if (binder.bind("spring.flyway.enabled", Boolean.class).orElse(true)) {
                checkSchema(database, url, binder);
            }
            NightbakeProperties properties = binder.bind("nightbake", Bindable.of(NightbakeProperties.class))
                    .orElseThrow(() -> new IllegalStateException("no nightbake.* settings"));
            // the template is loaded and validated as at the application's start: a bad one fails every command alike
            TemplatePipeline template = TemplateLoader.load(properties.template());
            String kpiSql = environment.getProperty("nightbake.control.kpi-sql", "");
            Clock clock = Clock.systemUTC();

            Map<Class<?>, Supplier<?>> objects = new LinkedHashMap<>();
            ReadOnlyContext context = new ReadOnlyContext(objects, database, null);
            objects.put(DataSource.class, () -> database);
            objects.put(NightbakeProperties.class, () -> properties);
            objects.put(TenantRegistry.class, () -> new TenantRegistry(database, clock));
            objects.put(TenantDiscovery.class, () -> new TenantDiscovery(context.get(TenantRegistry.class), properties));
            objects.put(JobRepository.class, () -> jobRepository(database, environment.getProperty(
                    "spring.batch.jdbc.table-prefix", "BATCH_")));
            objects.put(RunReport.class, () -> new RunReport(context.get(JobRepository.class), context.get(TenantRegistry.class)));
            objects.put(ApiKeyService.class, () -> new ApiKeyService(new ApiKeyRegistry(database, clock),
                    new DefaultListableBeanFactory().getBeanProvider(ActiveApiKeys.class))); // no HTTP here: no keys in memory
            objects.put(ControlService.class, () -> new ControlService(new ExperimentRegistry(database, clock),
                    new ModelRegistry(database, clock), context.get(TenantRegistry.class),
                    kpiSql.isBlank() ? new JdbcArmKpiSource(database) : new JdbcArmKpiSource(database, kpiSql), template,
                    properties, clock));
            objects.put(JsonMapper.class, JsonMapper::new);
            return context;
        } catch (RuntimeException e) {
            database.destroy();
            throw e;
        }
    }

    /** The object of that type: as the application wires it. */
    public <T> T get(Class<T> type) {
        if (full != null) {
            // the JSON mapper is Spring Boot's where it made one, a default one otherwise, as the commands always did
            return type == JsonMapper.class ? type.cast(full.getBeanProvider(JsonMapper.class).getIfAvailable(JsonMapper::new))
                    : full.getBean(type);
        }
        Supplier<?> supplier = lean.get(type);
        if (supplier == null) {
            throw new IllegalArgumentException("the read-only context has no " + type.getSimpleName());
        }
        Object object = made.get(type);
        if (object == null) { // not computeIfAbsent: suppliers get what they need from here
            object = supplier.get();
            made.put(type, object);
        }
        return type.cast(object);
    }

    /** The runs, read from the job repository. */
    public RunQueries runs() {
        return new RunQueries(get(JobRepository.class), get(RunReport.class));
    }

    @Override
    public void close() {
        if (full != null) {
            full.close();
        } else {
            connection.destroy();
        }
    }

    /** The job repository's DAOs over the tables Spring Boot configures them on (spring.batch.jdbc.table-prefix). */
    private static JobRepository jobRepository(DataSource dataSource, String tablePrefix) {
        try {
            JdbcJobRepositoryFactoryBean factory = new JdbcJobRepositoryFactoryBean();
            factory.setDataSource(dataSource);
            factory.setTransactionManager(new JdbcTransactionManager(dataSource));
            factory.setTablePrefix(tablePrefix);
            factory.afterPropertiesSet();
            return factory.getObject();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the job repository: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a database whose Flyway history lacks one of the versioned migrations this build carries in
     * {@code spring.flyway.locations} (with {@code {vendor}} resolved as Spring Boot does), without running Flyway.
     */
    static void checkSchema(DataSource database, String url, Binder binder) {
        String vendor = DatabaseDriver.fromJdbcUrl(url).getId();
        String[] locations = binder.bind("spring.flyway.locations", String[].class).orElse(new String[] {"classpath:db/migration"});
        String table = "\"" + binder.bind("spring.flyway.table", String.class).orElse("flyway_schema_history") + "\"";
        String schema = binder.bind("spring.flyway.default-schema", String.class).orElseGet(() -> binder.bind(
                "spring.flyway.schemas", String[].class).map(names -> names.length == 0 ? null : names[0]).orElse(null));
        if (schema != null && !schema.isBlank()) {
            table = "\"" + schema + "\"." + table;
        }
        Set<String> shipped = new TreeSet<>();
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver(ReadOnlyContext.class.getClassLoader());
        for (String location : locations) {
            String path = location.replace("{vendor}", vendor);
            if (!path.startsWith("classpath:")) {
                continue; // migrations on the file system: whoever deploys them migrates with them
            }
            try {
                for (Resource resource : resolver.getResources("classpath*:" + path.substring("classpath:".length()) + "/V*__*.sql")) {
                    String name = resource.getFilename();
                    shipped.add(name.substring(1, name.indexOf("__")).replace('_', '.'));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the migrations in " + path + ": " + e.getMessage(), e);
            }
        }
        if (url != null && url.startsWith("jdbc:h2:file:")
                && !java.nio.file.Files.exists(java.nio.file.Path.of(withoutOptions(url).substring("jdbc:h2:file:".length()) + ".mv.db"))) {
            throw noSchema(url); // and opening it would create an empty database file
        }
        Set<String> applied = new TreeSet<>();
        boolean history = true;
        try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rows = s.executeQuery("SELECT \"version\" FROM " + table + " WHERE \"success\" = TRUE")) {
                while (rows.next()) {
                    if (rows.getString(1) != null) {
                        applied.add(rows.getString(1));
                    }
                }
            } catch (SQLException e) {
                history = false; // no history table: nothing was ever migrated here
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the database " + withoutOptions(url) + ": " + e.getMessage(), e);
        }
        shipped.removeAll(applied);
        if (!shipped.isEmpty()) {
            throw history && !applied.isEmpty() ? new SchemaNotCurrentException("the database " + withoutOptions(url)
                    + " has an older schema than this build (missing migrations " + shipped + ")" + HOW_TO_MIGRATE)
                    : noSchema(url);
        }
    }

    private static final String HOW_TO_MIGRATE = "; read-only commands never migrate: run `recover` once (or `run-nightly`,"
            + " `serve`) to migrate it, then try again";

    private static SchemaNotCurrentException noSchema(String url) {
        return new SchemaNotCurrentException("the database " + withoutOptions(url) + " has no Nightbake schema yet" + HOW_TO_MIGRATE);
    }

    /** The JDBC URL without {@code ;options} or {@code ?parameters}, where a password may be. */
    private static String withoutOptions(String url) {
        return url == null ? "(no url)" : url.split("[;?]")[0];
    }

    /** A database whose schema is missing or older than this build: read-only commands do not migrate it. */
    public static final class SchemaNotCurrentException extends RuntimeException {
        SchemaNotCurrentException(String message) {
            super(message);
        }
    }
}
