package io.nightbake.serving.lean;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.nightbake.NightbakeApplication;
import io.nightbake.access.ActiveApiKeys;
import io.nightbake.access.ApiKeyRegistry;
import io.nightbake.api.LookupTimers;
import io.nightbake.config.TemplateLoader;
import io.nightbake.serving.ServingService;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.bootstrap.DefaultBootstrapContext;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.event.ApplicationStartingEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * The start sequence of {@code serve}, so that lookups are answered within a second of the JVM's start, long before
 * the Spring context is up:
 * <ol>
 *   <li>the configuration, resolved by Spring Boot's own config-data loading (application.yaml, profiles such as
 *       {@code postgres}, command-line and environment properties) and its logging set-up, without a context;</li>
 *   <li>the DataSource as Spring Boot would build it ({@code spring.datasource.*}, Hikari settings from
 *       {@code spring.datasource.hikari.*}), the registries the serving index needs, the {@link ServingService} and the
 *       {@link ActiveApiKeys};</li>
 *   <li>the lean listener ({@link LeanLookupServer}) on the public port ({@code server.port}, {@code server.address});</li>
 *   <li>the API keys and the index loaded (on a fresh database, whose schema Flyway has not made yet, both wait:
 *       lookups answer {@code index_loading} until Spring has migrated it and {@code serve} loads the index);</li>
 *   <li>the Spring context, with those objects as its beans (nothing is built or loaded twice; publishes and pointer
 *       refreshes are seen by both paths) and its Tomcat on 127.0.0.1 on {@code nightbake.serving.internal-port}
 *       (default: any free port); once it is ready, the listener forwards every request that is not a lookup there.</li>
 * </ol>
 */
public final class LeanServe {

    private static final Logger log = LoggerFactory.getLogger(LeanServe.class);

    private LeanServe() {
    }

    /**
     * Runs the sequence; returns the running context (its {@link LeanLookupServer} is a bean). {@code hooks} are
     * added to the Spring application (tests hold its start with one).
     */
    public static ConfigurableApplicationContext start(List<String> springArgs, List<ApplicationContextInitializer<?>> hooks) {
        long started = System.nanoTime();
        String[] args = springArgs.toArray(String[]::new);
        StandardEnvironment environment = environment(args);
        Binder binder = Binder.get(environment);
        boolean security = binder.bind("nightbake.security.enabled", Boolean.class).orElse(true);
        HikariDataSource dataSource = dataSource(binder);
        LeanLookupServer lean = null;
        try {
            Clock clock = Clock.systemUTC();
            ServingService serving = new ServingService(new SnapshotRegistry(dataSource, clock),
                    new TenantRegistry(dataSource, clock), true);
            ActiveApiKeys keys = new ActiveApiKeys(new ApiKeyRegistry(dataSource, clock), security);
            // the database opens and the index loads while the listener starts; a lookup for a tenant not loaded
            // yet loads it at once (ServingService#served)
            Thread loader = new Thread(() -> loadEarly(serving, keys, security), "serving-index-load");
            loader.start();
            int defaultLimit = TemplateLoader.load(binder.bind("nightbake.template", String.class).orElse("")).topK();
            LeanLookupServer.Settings settings = new LeanLookupServer.Settings(
                    binder.bind("server.address", String.class).orElse(null),
                    binder.bind("server.port", Integer.class).orElse(8080),
                    binder.bind("nightbake.serving.event-loop-threads", Integer.class).orElse(0),
                    security, defaultLimit);
            int internalPort = binder.bind("nightbake.serving.internal-port", Integer.class).orElse(0);
            lean = LeanLookupServer.start(settings, serving, keys);
            log.info("lookup listener up {} ms after the JVM started ({} ms in serve)", uptimeMillis(),
                    (System.nanoTime() - started) / 1_000_000);
            joinUninterruptibly(loader);

            SpringApplication application = new SpringApplication(NightbakeApplication.class);
            application.setWebApplicationType(WebApplicationType.SERVLET);
            LeanLookupServer server = lean;
            application.addInitializers(context -> {
                GenericApplicationContext beans = (GenericApplicationContext) context;
                beans.registerBean("dataSource", HikariDataSource.class, () -> dataSource);
                beans.registerBean("servingService", ServingService.class, () -> serving);
                beans.registerBean("activeApiKeys", ActiveApiKeys.class, () -> keys);
                beans.getBeanFactory().registerSingleton("leanLookupServer", server);
                context.addApplicationListener(event -> {
                    if (event instanceof ApplicationReadyEvent ready) {
                        ready(ready.getApplicationContext(), server);
                    } else if (event instanceof ContextClosedEvent) {
                        server.close();
                    }
                });
            });
            hooks.forEach(application::addInitializers);
            return application.run(internalArgs(springArgs, internalPort));
        } catch (RuntimeException | Error e) {
            if (lean != null) {
                lean.close();
            }
            dataSource.close();
            throw e;
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Spring is up: forward to its Tomcat, and time lookups with its meter registry. */
    private static void ready(ConfigurableApplicationContext context, LeanLookupServer server) {
        server.lookupLatency(new LookupTimers(context.getBean(MeterRegistry.class)));
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        server.backend(new InetSocketAddress("127.0.0.1", port));
        log.info("Spring is up {} ms after the JVM started; requests other than lookups go to 127.0.0.1:{}",
                uptimeMillis(), port);
    }

    /** The keys and the index, when the database has its schema already; else they load once Spring migrated it. */
    private static void loadEarly(ServingService serving, ActiveApiKeys keys, boolean security) {
        try {
            serving.start(); // throws on a database without the schema yet, before the keys would log an error
            if (security) {
                keys.refresh();
            }
        } catch (RuntimeException e) {
            log.info("the serving index loads once the application has started (the database is not ready yet: {})",
                    e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** Spring's arguments: Tomcat on 127.0.0.1 and the internal port, trusting the forwarded headers from the listener. */
    static String[] internalArgs(List<String> springArgs, int internalPort) {
        List<String> args = new ArrayList<>(springArgs);
        args.removeIf(a -> a.startsWith("--server.port=") || a.startsWith("--server.address=")
                || a.startsWith("--server.forward-headers-strategy="));
        args.add("--server.port=" + internalPort);
        args.add("--server.address=127.0.0.1");
        args.add("--server.forward-headers-strategy=native");
        return args.toArray(String[]::new);
    }

    /** The environment Spring Boot would prepare (config data, profiles, command line), and its logging applied. */
    static StandardEnvironment environment(String[] args) {
        StandardEnvironment environment = new StandardEnvironment();
        if (args.length > 0) {
            environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        }
        ConfigurationPropertySources.attach(environment);
        DefaultBootstrapContext bootstrap = new DefaultBootstrapContext();
        ConfigDataEnvironmentPostProcessor.applyTo(environment, new DefaultResourceLoader(), bootstrap, List.of());
        SpringApplication application = new SpringApplication(NightbakeApplication.class);
        LoggingApplicationListener logging = new LoggingApplicationListener();
        logging.onApplicationEvent(new ApplicationStartingEvent(bootstrap, application, args));
        logging.onApplicationEvent(new ApplicationEnvironmentPreparedEvent(bootstrap, application, args, environment));
        return environment;
    }

    /** The DataSource as Spring Boot's DataSource auto-configuration builds it (Hikari). */
    static HikariDataSource dataSource(Binder binder) {
        DataSourceProperties properties = binder.bind("spring.datasource", DataSourceProperties.class)
                .orElseGet(DataSourceProperties::new);
        properties.setBeanClassLoader(LeanServe.class.getClassLoader());
        try {
            properties.afterPropertiesSet();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read spring.datasource: " + e.getMessage(), e);
        }
        HikariDataSource dataSource = properties.initializeDataSourceBuilder().type(HikariDataSource.class).build();
        if (properties.getName() != null && !properties.getName().isBlank()) {
            dataSource.setPoolName(properties.getName());
        }
        binder.bind("spring.datasource.hikari", Bindable.ofInstance(dataSource));
        return dataSource;
    }

    /**
     * Once everything is loaded: gives back the heap that Spring's start needed and the serving process does not (a
     * lookup allocates next to nothing). Sets, unless given on the command line, {@code MinHeapFreeRatio=10},
     * {@code MaxHeapFreeRatio=30} and (G1) {@code G1PeriodicGCInterval=60000}, all manageable at run time, then runs
     * one full GC, which shrinks the committed heap to the live set plus that margin; the periodic GC keeps giving
     * memory back when the load ends. {@code nightbake.serving.trim-heap=false} leaves the JVM as it is. On the
     * 20-tenant demo fleet this took resident memory from 422 MB to 347 MB (live heap 37 MB of 212 MB committed).
     */
    public static void trimHeap(ConfigurableApplicationContext context) {
        if (!context.getEnvironment().getProperty("nightbake.serving.trim-heap", Boolean.class, true)) {
            return;
        }
        try {
            com.sun.management.HotSpotDiagnosticMXBean vm = java.lang.management.ManagementFactory
                    .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            setUnlessGiven(vm, "MinHeapFreeRatio", "10");
            setUnlessGiven(vm, "MaxHeapFreeRatio", "30");
            if ("true".equals(vm.getVMOption("UseG1GC").getValue())) {
                setUnlessGiven(vm, "G1PeriodicGCInterval", "60000");
            }
        } catch (RuntimeException e) {
            log.debug("heap settings left as they are: {}", e.toString());
        }
        long before = committedHeap();
        long started = System.nanoTime();
        System.gc();
        log.info("heap trimmed after start-up: {} MB committed, was {} MB ({} ms)", committedHeap() >> 20, before >> 20,
                (System.nanoTime() - started) / 1_000_000);
    }

    private static void setUnlessGiven(com.sun.management.HotSpotDiagnosticMXBean vm, String name, String value) {
        if (vm.getVMOption(name).getOrigin() == com.sun.management.VMOption.Origin.DEFAULT) {
            vm.setVMOption(name, value);
        }
    }

    private static long committedHeap() {
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    }

    private static long uptimeMillis() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
    }
}
