package io.nightbake;

import io.nightbake.admin.AdminException;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.bench.PrebakeBenchmark;
import io.nightbake.bench.ServingBenchmark;
import io.nightbake.runs.RunLock;
import io.nightbake.runs.RunRecovery;
import io.nightbake.runs.RunsService;
import io.nightbake.batch.RunReport;
import io.nightbake.batch.TenantDiscovery;
import io.nightbake.cli.CommandLine;
import io.nightbake.cli.ControlCommands;
import io.nightbake.cli.OperatorCommands;
import io.nightbake.cli.CommandLine.UsageException;
import io.nightbake.config.ConfigException;
import io.nightbake.config.TemplateLoader;
import io.nightbake.feedback.FeedbackSimulator;
import io.nightbake.feedback.PerformanceService;
import io.nightbake.retrain.importer.ImportReport;
import io.nightbake.retrain.importer.OnlineRetailImporter;
import io.nightbake.retrain.importer.TenantBy;
import io.nightbake.retrain.quality.QualityReport;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.retrain.synthetic.TenantSummary;
import io.nightbake.serving.RecommendationIndex;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.lean.LeanLookupServer;
import io.nightbake.serving.lean.LeanServe;
import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** {@code java -jar nightbake.jar <command>}: the command line. Each command has {@code --help}. */
public final class NightbakeCli {

    private static final String USAGE = """
            usage: java -jar batch-core/target/nightbake.jar <command> [options] [--spring.property=value ...]

            commands:
              demo          generate a 20-tenant fleet, run two nights (freezing and switching off a few tenants
                            in between), print the per-tenant table, then serve lookups until stopped
                            [--no-serve] [--tenants N] [--seed S]
              generate      write a synthetic multi-tenant fleet in the Parquet data contract
                            --tenants N --seed S --out DIR [--largest-customers N] [--largest-products N]
                            [--interactions-per-customer X]
              run-nightly   run the nightly job for a date; rerunning a failed date reruns only failed tenants
                            [--date YYYY-MM-DD] (default: today, UTC)
              serve         answer recommendation lookups and the admin API over HTTP (--server.port=8080 by
                            default; every request needs an API key, see api-key below) and run the nightly
                            schedule (nightbake.schedule.cron / .zone)   [--no-schedule]
              runs          list nightly runs, or one run per tenant   [--run ID] [--limit N]
              rerun         rerun the failed and unfinished tenants of a run   --run ID
              recover       mark the executions of runs whose process died as failed (so they can be rerun)
              tenants       list tenants and their states
              import online-retail  turn the UCI Online Retail CSV into one tenant per country in the data contract
                            --in FILE(.csv or .csv.gz) --out DIR [--tenant-by country]
              quality-report  run MovieLens-100K u1..u5 and every Online Retail country through the pipeline and
                            print accuracy, ranking metrics and the popularity baseline   [--data DIR] (default
                            ../shared/data) [--nightbake.template=FILE]
              benchmark     generate a fleet in ./nightbake-bench, run a night and measure prebake speed, phase
                            times and lookup latency over HTTP   [--tenants N] [--largest-customers N]
                            [--largest-products N] [--interactions-per-customer X] [--rank R] [--seed S]
                            [--lookup-rate R] [--lookup-seconds S]
              serving-benchmark  serve a published fleet (generated and run in ./nightbake-serving-bench when
                            missing) and measure lookups over HTTP with wrk, Redis GET with redis-benchmark and the
                            in-process reader: throughput, p50/p99/p99.9, resident memory, bytes per entry, time to
                            first lookup   [--tenants 4000] [--largest-customers 50000] [--largest-products 5000]
                            [--seed 1] [--connections 4,16,64] [--seconds 10] [--rate 10000]
                            [--event-loop-threads 1,2] (the lookup listener's) [--thread-models pool,virtual]
                            (Spring's, behind it) [--serve-jvm-args "-Xmx256m ..."] [--nightbake.home=DIR]
              simulate-feedback  post simulated impressions, clicks and purchases on the published lists of a
                            generated fleet (clicks follow the generator's planted preferences; seeded, deterministic)
                            --from YYYY-MM-DD --to YYYY-MM-DD [--tenants N --seed S and the size knobs, as given to
                            generate] [--feedback-seed S] [--sessions-per-day N] [--list-length K]
              simulate-control  the seeded simulation of automatic control: a synthetic tenant, one version truly
                            better; bandit and A/B test against a 50/50 split, night by night, and the A/B test's
                            false-promotion rate   [--nights N] [--seed S] [--customers N] [--impression-rate X]
                            [--champion-rate X] [--challenger-rate X] [--repetitions N] [--nightbake.template=FILE]
              help          this text; `help <command>` or `<command> --help` (-h) for one command
              check-data    validate a tenant's files now, with the messages the night would give
                            --tenant T [--date YYYY-MM-DD]
              retire-tenant stop all work for a tenant for good: switched OFF and unpublished, never registered
                            again by discovery; its audit trail stays, its data, models and snapshots too unless
                            --delete-data   --tenant T --reason TEXT [--delete-data]
              --version     print the version

            operator controls (each is audited as cli:<user> with its --reason; a running `serve` follows within
            nightbake.serving.refresh-millis / nightbake.security.refresh-millis):
              set-state          --tenant T --state ON|FROZEN|OFF --reason TEXT
                                 FROZEN stops retraining and keeps the champion; OFF stops all work and unpublishes
                                 the tenant's lists at once; back ON (or FROZEN) serves its last lists again and
                                 resumes from its champion
              pin-model          --tenant T --version N --reason TEXT   make model version N the champion and pin it:
                                 nightly runs keep recording challengers (decision PINNED) but promote none
              unpin-model        --tenant T --reason TEXT   release the pin; the next night may promote again
              rollback-model     --tenant T --reason TEXT   make the champion before the current one champion again
                                 (the published lists follow at the next nightly prebake)
              rollback-snapshot  --tenant T [--reason TEXT]   serve the tenant's previous snapshot now
              roll-forward-snapshot  --tenant T [--reason TEXT]   after a rollback, serve the next newer snapshot
              set-control        --tenant T --mode manual|ab|bandit --reason TEXT   the tenant's automatic control
                                 (template default: control.mode); a running experiment of another kind stops
              experiment         --tenant T   the tenant's mode and latest experiment (arms, shares, KPI, decision)
              stop-experiment    --tenant T --reason TEXT   the champion takes all traffic from the next prebake
              api-key create --tenant T --name NAME   a key that reads only tenant T's recommendations and state
              api-key create --operator NAME          an operator key (every endpoint, the admin API included)
                                 the key is printed once and only its hash is stored: keep it safe
              api-key revoke --id ID [--reason TEXT]
              api-key list [--tenant T]

            Spring Boot properties pass through, e.g. --nightbake.home=DIR (working folder, default ./nightbake-data),
            --nightbake.template=FILE (template pipeline YAML), --nightbake.retrain.threads=N,
            --nightbake.security.enabled=false (no API keys needed; the demo runs this way).
            """;

    private static final String DEMO_MARKER = ".nightbake-demo";

    private NightbakeCli() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != Integer.MIN_VALUE) {
            System.exit(code);
        }
    }

    /** Runs a command; returns the exit code, or Integer.MIN_VALUE when the command left a server running. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        try {
            args = java.util.Arrays.stream(args).filter(a -> !a.equals("--debug")).map(a -> a.equals("-h") ? "--help" : a)
                    .toArray(String[]::new);
            // `--version` alone or after a command (`pin-model --version N` is that command's option)
            if (args.length > 0 && (args[0].equals("--version") || args[0].equals("version"))
                    || args.length == 2 && args[1].equals("--version") && !args[0].equals("pin-model")) {
                out.println("nightbake " + version());
                return 0;
            }
            CommandLine line = new CommandLine(args, Set.of("no-serve", "no-schedule", "help", "delete-data"));
            String action = line.action(); // `api-key create|revoke|list ...`
            if (line.command().equals("help") || line.command().equals("--help")) {
                // `help` alone: everything; `help <command>`: that command
                out.print(action == null ? USAGE : commandHelp(action));
                return 0;
            }
            if (line.flag("help")) {
                out.print(commandHelp(line.command()));
                return 0;
            }
            if (action != null && !Set.of("api-key", "import").contains(line.command())) {
                throw new UsageException("unexpected argument '" + action + "'");
            }
            if (NEEDS_HOME.contains(line.command())) {
                requireHome(line);
            }
            if (Set.of("generate", "import", "quality-report", "check-data", "simulate-control").contains(line.command())) {
                quietLibraries(); // these commands run without Spring Boot, whose logging settings quiet them
            }
            return switch (line.command()) {
                case "generate" -> generate(line, out);
                case "demo" -> demo(line, out);
                case "run-nightly" -> runNightly(line, out);
                case "tenants" -> OperatorCommands.tenants(line, out);
                case "serve" -> serve(line, out);
                case "runs" -> runs(line, out);
                case "rerun" -> rerun(line, out);
                case "recover" -> recover(line, out);
                case "benchmark" -> benchmark(line, out);
                case "serving-benchmark" -> servingBenchmark(line, out);
                case "simulate-feedback" -> simulateFeedback(line, out);
                case "import" -> importData(action, line, out);
                case "quality-report" -> qualityReport(line, out);
                case "rollback-snapshot" -> OperatorCommands.rollbackSnapshot(line, out);
                case "roll-forward-snapshot" -> OperatorCommands.rollForwardSnapshot(line, out);
                case "set-state" -> OperatorCommands.setState(line, out);
                case "set-control" -> ControlCommands.setControl(line, out);
                case "experiment" -> ControlCommands.experiment(line, out);
                case "stop-experiment" -> ControlCommands.stopExperiment(line, out);
                case "simulate-control" -> ControlCommands.simulateControl(line, out);
                case "pin-model" -> OperatorCommands.pinModel(line, out);
                case "unpin-model" -> OperatorCommands.unpinModel(line, out);
                case "retire-tenant" -> OperatorCommands.retireTenant(line, out);
                case "check-data" -> OperatorCommands.checkData(line, out,
                        Path.of(springProperty(line, "nightbake.home", "./nightbake-data")),
                        springProperty(line, "nightbake.template", ""));
                case "rollback-model" -> OperatorCommands.rollbackModel(line, out);
                case "api-key" -> OperatorCommands.apiKey(action, line, out);
                default -> throw new UsageException("unknown command '" + line.command() + "'");
            };
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        } catch (ConfigException e) {
            err.println("configuration error: " + e.getMessage());
            return 2;
        } catch (AdminException e) {
            err.println("error: " + e.getMessage());
            return e.kind() == AdminException.Kind.INVALID ? 2 : 1;
        } catch (RunLock.HeldException e) {
            err.println("error: " + e.getMessage());
            return EXIT_ANOTHER_NIGHT_RUNNING;
        } catch (Exception e) {
            Throwable cause = rootConfigError(e);
            // one line with what went wrong; the stack trace only when asked for (--debug)
            err.println(cause instanceof ConfigException ? "configuration error: " + cause.getMessage() : "error: " + oneLine(e));
            if (debug) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    /**
     * The exit code of {@code run-nightly} and {@code rerun} when another night holds the run lock: sysexits'
     * EX_TEMPFAIL ("try again later"), so that a wrapper script can retry without mistaking it for failed tenants (1).
     */
    public static final int EXIT_ANOTHER_NIGHT_RUNNING = 75;

    /** Commands that work on an existing Nightbake home; demo, generate and serve may create one. */
    private static final Set<String> NEEDS_HOME = Set.of("run-nightly", "runs", "rerun", "recover", "tenants", "check-data",
            "retire-tenant", "rollback-snapshot", "roll-forward-snapshot", "set-state", "pin-model", "unpin-model", "rollback-model", "api-key");

    /**
     * Refuses a {@code --nightbake.home} that does not exist, so a typo does not silently create a new, empty
     * database (on the embedded default); on PostgreSQL the database is elsewhere, but the data still lives there.
     */
    private static void requireHome(CommandLine line) {
        Path home = Path.of(springProperty(line, "nightbake.home", "./nightbake-data"));
        if (!Files.isDirectory(home)) {
            throw new UsageException("no Nightbake home at " + home.toAbsolutePath() + "; give the folder with "
                    + "--nightbake.home=DIR (demo, generate --out DIR/tenants or serve create one)");
        }
    }

    /** The command's own entries of the usage text. */
    static String commandHelp(String command) {
        StringBuilder entry = new StringBuilder();
        boolean in = false;
        for (String text : USAGE.split("\n")) {
            boolean starts = text.startsWith("  ") && !text.startsWith("   ");
            if (starts) {
                String name = text.strip().split("\\s+")[0];
                in = name.equals(command);
            } else if (!text.startsWith("   ")) {
                in = false;
            }
            if (in) {
                entry.append(text).append('\n');
            }
        }
        if (entry.isEmpty()) {
            throw new UsageException("unknown command '" + command + "'");
        }
        return "usage: java -jar batch-core/target/nightbake.jar " + command + " [options] [--spring.property=value ...]\n\n"
                + entry + "\n`help` lists every command and the Spring properties that pass through (--nightbake.home=DIR ...);"
                + " --debug prints stack traces\n";
    }

    static String version() {
        try (java.io.InputStream in = NightbakeCli.class.getResourceAsStream("/nightbake-version.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "");
            return v.isBlank() || v.contains("${") ? "(development build)" : v;
        } catch (IOException e) {
            return "(unknown version)";
        }
    }

    /** The exception's message and its causes' where they add something, on one line. */
    static String oneLine(Throwable e) {
        StringBuilder text = new StringBuilder();
        java.util.Set<Throwable> seen = new java.util.HashSet<>();
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (text.indexOf(message) < 0) {
                text.append(text.isEmpty() ? "" : ": ").append(message);
            }
        }
        return text.toString();
    }

    private static int generate(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenants", "seed", "out", "largest-customers", "largest-products", "interactions-per-customer"));
        FleetSpec spec = fleetSpec(line);
        Path dir = Path.of(line.required("out"));
        List<TenantSummary> tenants = new SyntheticFleetGenerator().generate(spec, dir);
        long interactions = tenants.stream().mapToLong(TenantSummary::interactions).sum();
        out.printf("wrote %d tenants (%d interactions) to %s%n", tenants.size(), interactions, dir.toAbsolutePath());
        tenants.forEach(t -> out.printf("  %-12s %6d customers %5d products %8d interactions%n",
                t.tenant(), t.customers(), t.products(), t.interactions()));
        return 0;
    }

    private static FleetSpec fleetSpec(CommandLine line) {
        FleetSpec defaults = FleetSpec.defaults();
        FleetSpec spec = defaults.withTenants(line.integer("tenants", defaults.tenants(), 1, 100_000));
        try {
            spec = spec.withSeed(Long.parseLong(line.option("seed", Long.toString(defaults.seed()))));
            spec = spec.withInteractionsPerCustomer(Double.parseDouble(line.option("interactions-per-customer",
                    Double.toString(defaults.interactionsPerCustomer()))));
        } catch (NumberFormatException e) {
            throw new UsageException("--seed and --interactions-per-customer must be numbers: " + e.getMessage());
        }
        return spec.withLargestTenant(line.integer("largest-customers", defaults.largestCustomers(), 1, 50_000_000),
                line.integer("largest-products", defaults.largestProducts(), 1, 10_000_000));
    }

    /**
     * The demo starts from a clean working folder (./nightbake-demo unless --nightbake.home says otherwise),
     * generates a fleet, runs the night a week before the data ends with every tenant ON, freezes two tenants and
     * switches two off, then runs the last night and prints its table.
     */
    private static int demo(CommandLine line, PrintStream out) throws Exception {
        line.allowOnly(Set.of("no-serve", "tenants", "seed"));
        Path home = Path.of(springProperty(line, "nightbake.home", "./nightbake-demo"));
        resetScratchHome(home);
        FleetSpec spec = fleetSpec(line);
        List<TenantSummary> fleet = new SyntheticFleetGenerator().generate(spec, home.resolve("tenants"));
        out.printf("generated %d tenants (%d interactions) in %s%n", fleet.size(),
                fleet.stream().mapToLong(TenantSummary::interactions).sum(), home.resolve("tenants").toAbsolutePath());

        List<String> springArgs = withHome(line, home);
        if (springProperty(line, "nightbake.security.enabled", null) == null) {
            springArgs.add("--nightbake.security.enabled=false"); // the local demo serves without API keys
        }
        springArgs = loopbackWhenOpen(springArgs);
        boolean serve = !line.flag("no-serve");
        // served as `serve` serves: lookups on the lean listener, the console and the rest through it to Spring
        ConfigurableApplicationContext context = serve ? LeanServe.start(springArgs, List.of())
                : start(springArgs, WebApplicationType.NONE);
        boolean keepRunning = false;
        try {
            if (serve) {
                context.getBean(ServingService.class).start();
            }
            LocalDate lastNight = spec.referenceTime().atZone(ZoneOffset.UTC).toLocalDate().minusDays(1);
            NightlyLauncher launcher = context.getBean(NightlyLauncher.class);
            RunReport report = context.getBean(RunReport.class);
            context.getBean(TenantDiscovery.class).registerNewTenants();

            out.println("night 1: every tenant ON");
            JobExecution first = launcher.run(lastNight.minusDays(7));
            out.println();
            out.print(RunReport.format(report.of(first)));
            ServingService serving = context.getBean(ServingService.class);
            if (!serving.active()) {
                serving.start(); // the simulator reads the published lists from the serving index
            } else {
                serving.refresh();
            }
            simulateWeek(context, spec, lastNight.minusDays(6), lastNight, out);

            TenantRegistry tenants = context.getBean(TenantRegistry.class);
            List<Tenant> all = tenants.list();
            List<TenantId> frozen = pick(all, 3, 8);
            List<TenantId> off = pick(all, 5, 12);
            frozen.forEach(t -> tenants.setState(t, TenantState.FROZEN, "demo", "freeze the model over the holidays"));
            off.forEach(t -> tenants.setState(t, TenantState.OFF, "demo", "client paused the recommendation add-on"));
            out.println();
            out.println("night 2: FROZEN " + frozen + ", OFF " + off);
            JobExecution second = launcher.run(lastNight);
            out.println();
            out.print(RunReport.format(report.of(second)));
            serving.refresh();
            simulateWeek(context, spec, lastNight.plusDays(1), lastNight.plusDays(7), out);
            out.println();
            out.println("night 3: compacts the second week's feedback into the tenants' Parquet and retrains on it");
            JobExecution third = launcher.run(lastNight.plusDays(7));
            out.println();
            out.print(RunReport.format(report.of(third)));
            printCtrPerVersion(context, lastNight.minusDays(6), lastNight.plusDays(7), out);
            if (serve) {
                context.getBean(ServingService.class).refresh();
                printServing(context, out);
                keepRunning = true;
                return Integer.MIN_VALUE;
            }
            return second.getStatus() == BatchStatus.COMPLETED && third.getStatus() == BatchStatus.COMPLETED ? 0 : 1;
        } finally {
            if (!keepRunning) {
                context.close();
            }
        }
    }

    private static void simulateWeek(ConfigurableApplicationContext context, FleetSpec spec, LocalDate from, LocalDate to,
                                     PrintStream out) {
        List<FeedbackSimulator.TenantSummary> simulated = context.getBean(FeedbackSimulator.class)
                .simulate(spec, from, to, 1, 40, 10);
        long impressions = simulated.stream().mapToLong(FeedbackSimulator.TenantSummary::impressions).sum();
        long clicks = simulated.stream().mapToLong(FeedbackSimulator.TenantSummary::clicks).sum();
        long purchases = simulated.stream().mapToLong(FeedbackSimulator.TenantSummary::purchases).sum();
        out.printf("%nfeedback %s..%s: %d tenants' lists shown, %d impressions, %d clicks (CTR %.3f), %d purchases, "
                + "posted through the events service%n", from, to, simulated.size(), impressions, clicks,
                impressions == 0 ? 0 : clicks / (double) impressions, purchases);
    }

    /** Each tenant's online CTR per model version, from the performance figures the nights computed. */
    private static void printCtrPerVersion(ConfigurableApplicationContext context, LocalDate from, LocalDate to, PrintStream out) {
        PerformanceService performance = context.getBean(PerformanceService.class);
        out.printf("%nonline CTR per model version (%s..%s, Wilson 95%% interval; offline NDCG@10 of the model and of "
                + "popularity beside it)%n", from, to);
        out.printf("%-12s %-8s %-12s %11s %7s %8s %17s %8s %8s%n", "tenant", "version", "algorithm", "impressions", "clicks",
                "ctr", "ctr 95%", "ndcg@10", "pop ndcg");
        for (Tenant tenant : context.getBean(TenantRegistry.class).list()) {
            for (PerformanceService.Version v : performance.of(tenant.id(), from, to).versions()) {
                out.printf(java.util.Locale.ROOT, "%-12s %-8d %-12s %11d %7d %8.4f   [%.4f, %.4f] %8s %8s%n", tenant.id(),
                        v.modelVersion(), v.algorithm(), v.impressions(), v.clicks(), v.ctr(), v.ctrLow(), v.ctrHigh(),
                        v.ndcgAt10() == null ? "-" : String.format(java.util.Locale.ROOT, "%.3f", v.ndcgAt10()),
                        v.popularityNdcgAt10() == null ? "-" : String.format(java.util.Locale.ROOT, "%.3f", v.popularityNdcgAt10()));
            }
        }
    }

    private static int simulateFeedback(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenants", "seed", "largest-customers", "largest-products", "interactions-per-customer",
                "from", "to", "feedback-seed", "sessions-per-day", "list-length"));
        FleetSpec spec = fleetSpec(line);
        LocalDate from;
        LocalDate to;
        long feedbackSeed;
        try {
            from = LocalDate.parse(line.required("from"));
            to = LocalDate.parse(line.required("to"));
            feedbackSeed = Long.parseLong(line.option("feedback-seed", "1"));
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new UsageException("--from and --to must be YYYY-MM-DD and --feedback-seed a number: " + e.getMessage());
        }
        if (from.isAfter(to) || from.plusDays(366).isBefore(to)) {
            throw new UsageException("--from must not be after --to, and the range is at most 366 days");
        }
        int sessions = line.integer("sessions-per-day", 40, 1, 1_000_000);
        int length = line.integer("list-length", 10, 1, 1000);
        try (ConfigurableApplicationContext context = start(line.springArgs(), WebApplicationType.NONE)) {
            context.getBean(ServingService.class).start();
            for (FeedbackSimulator.TenantSummary t : context.getBean(FeedbackSimulator.class)
                    .simulate(spec, from, to, feedbackSeed, sessions, length)) {
                out.printf(java.util.Locale.ROOT, "%-12s version %-4d %8d impressions %6d clicks (CTR %.4f) %6d purchases; "
                                + "%d new, %d duplicates%n", t.tenant(), t.modelVersion(), t.impressions(), t.clicks(), t.ctr(),
                        t.purchases(), t.accepted(), t.duplicates());
            }
            return 0;
        }
    }

    /** The tenants at the given positions, where the fleet has them. */
    private static List<TenantId> pick(List<Tenant> tenants, int... positions) {
        List<TenantId> picked = new ArrayList<>();
        for (int position : positions) {
            if (position < tenants.size()) {
                picked.add(tenants.get(position).id());
            }
        }
        return picked;
    }

    private static int serve(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("no-schedule"));
        List<String> springArgs = loopbackWhenOpen(new ArrayList<>(line.springArgs()));
        springArgs.add("--spring.quartz.auto-startup=" + !line.flag("no-schedule"));
        // readiness says "loading" from the first request on, until the index is loaded
        springArgs.add("--nightbake.serving.expected=true");
        // lookups are answered by the lean listener from before Spring starts; see LeanServe for the sequence
        ConfigurableApplicationContext context = LeanServe.start(springArgs, List.of());
        context.getBean(RunRecovery.class).recoverDeadRuns();
        ServingService serving = context.getBean(ServingService.class);
        if (!serving.loaded()) {
            serving.start(); // a fresh database: the index loads now that Flyway has made the schema
        }
        LeanServe.trimHeap(context);
        printServing(context, out);
        return Integer.MIN_VALUE;
    }

    /**
     * With API keys off ({@code nightbake.security.enabled=false}) anyone who can reach the port may use the admin API,
     * so the server listens on 127.0.0.1 only, unless {@code --server.address} says otherwise on purpose.
     */
    public static List<String> loopbackWhenOpen(List<String> springArgs) {
        boolean open = springArgs.stream().anyMatch(a -> a.equals("--nightbake.security.enabled=false"));
        boolean addressed = springArgs.stream().anyMatch(a -> a.startsWith("--server.address="));
        List<String> args = new ArrayList<>(springArgs);
        if (open && !addressed) {
            args.add("--server.address=127.0.0.1");
        }
        return args;
    }

    /** Tells where lookups are served, with a request that works against the data being served. */
    private static void printServing(ConfigurableApplicationContext context, PrintStream out) {
        LeanLookupServer lean = context.getBeanProvider(LeanLookupServer.class).getIfAvailable();
        int port = lean != null ? lean.port() : ((WebServerApplicationContext) context).getWebServer().getPort();
        RecommendationIndex index = context.getBean(ServingService.class).index();
        boolean secured = context.getEnvironment().getProperty("nightbake.security.enabled", Boolean.class, true);
        String auth = secured ? "-H 'Authorization: Bearer <key>' " : "";
        out.printf("%nserving %d tenants at http://localhost:%d/api/v1/tenants/{tenant}/customers/{customer}/recommendations"
                + " (Ctrl-C stops)%n", index.size(), port);
        if (secured) {
            out.println("every request needs an API key: `api-key create --tenant T --name NAME` (one tenant) or"
                    + " `api-key create --operator NAME` (everything, /api/v1/admin included)");
        }
        index.tenants().stream().findFirst().map(index::get).ifPresent(first -> out.printf(
                "try:  curl %s'http://localhost:%d/api/v1/tenants/%s/customers/%s/recommendations?limit=5'%n"
                        + "      curl %s'http://localhost:%d/api/v1/tenants/%s/recommendations/status'%n",
                auth, port, first.tenantId(), first.anyCustomerId(), auth, port, first.tenantId()));
        if (!secured) {
            out.printf("      curl 'http://localhost:%d/api/v1/admin/tenants'   (API keys are off: nightbake.security.enabled=false)%n",
                    port);
            String address = lean != null ? (lean.address() == null ? "every interface" : lean.address())
                    : context.getEnvironment().getProperty("server.address", "every interface");
            out.printf("API keys are off, so the admin API is open to whoever reaches the port: listening on %s only%s%n",
                    address, "127.0.0.1".equals(address) ? " (--server.address=... opens it on purpose)" : "");
        }
    }


    private static int runNightly(CommandLine line, PrintStream out) throws Exception {
        line.allowOnly(Set.of("date"));
        LocalDate date;
        try {
            date = LocalDate.parse(line.option("date", LocalDate.now(ZoneOffset.UTC).toString()));
        } catch (DateTimeParseException e) {
            throw new UsageException("--date must be YYYY-MM-DD, was '" + line.option("date", "") + "'");
        }
        try (ConfigurableApplicationContext context = start(line.springArgs(), WebApplicationType.NONE)) {
            context.getBean(RunRecovery.class).recoverDeadRuns();
            JobExecution execution = context.getBean(NightlyLauncher.class).run(date);
            out.print(RunReport.format(context.getBean(RunReport.class).of(execution)));
            return execution.getStatus() == BatchStatus.COMPLETED ? 0 : 1;
        }
    }

    private static int runs(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("run", "limit"));
        // read-only: no Spring context, no migration (see ReadOnlyContext)
        try (io.nightbake.cli.ReadOnlyContext context = io.nightbake.cli.ReadOnlyContext.open(line.springArgs())) {
            io.nightbake.runs.RunQueries runs = context.runs();
            if (line.flag("run")) {
                out.print(RunReport.format(runs.show(runId(line))));
                return 0;
            }
            out.printf("%-6s %-10s %-9s %-24s %-19s %-19s %-8s %s%n", "run", "date", "status", "exit", "started", "ended",
                    "attempts", "failed tenants");
            for (RunsService.RunSummary run : runs.list(line.integer("limit", 20, 1, 1000))) {
                out.printf("%-6d %-10s %-9s %-24s %-19s %-19s %-8d %d%n", run.runId(), run.runDate(), run.status(), run.exitCode(),
                        shortTime(run.startTime()), shortTime(run.endTime()), run.attempts(), run.failedTenants());
            }
            return 0;
        }
    }

    private static int rerun(CommandLine line, PrintStream out) throws Exception {
        line.allowOnly(Set.of("run"));
        long runId = runId(line);
        try (ConfigurableApplicationContext context = start(line.springArgs(), WebApplicationType.NONE)) {
            RunReport.Run run = context.getBean(RunsService.class).rerun(runId);
            out.print(RunReport.format(run));
            return run.status() == BatchStatus.COMPLETED ? 0 : 1;
        }
    }

    private static int recover(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of());
        try (ConfigurableApplicationContext context = start(line.springArgs(), WebApplicationType.NONE)) {
            List<Long> recovered = context.getBean(RunRecovery.class).recoverDeadRuns();
            out.println(recovered.isEmpty() ? "no dead runs" : "marked failed: attempts " + recovered
                    + "; `runs` shows their run ids, `rerun --run ID` finishes them");
            return 0;
        }
    }

    private static long runId(CommandLine line) {
        if (!line.flag("run")) {
            throw new UsageException("which run? give --run ID (the run ids are in the first column of `runs`)");
        }
        return line.integer("run", 0, 1, Integer.MAX_VALUE);
    }

    private static String shortTime(java.time.LocalDateTime time) {
        return time == null ? "-" : time.withNano(0).toString();
    }


    /** Starts the Spring Boot application for a command. */
    public static ConfigurableApplicationContext start(List<String> springArgs, WebApplicationType web) {
        SpringApplication application = new SpringApplication(NightbakeApplication.class);
        application.setWebApplicationType(web);
        return application.run(springArgs.toArray(String[]::new));
    }

    /** The Spring arguments with {@code nightbake.home} set to {@code home} (once: a repeated property becomes a list). */
    private static List<String> withHome(CommandLine line, Path home) {
        List<String> springArgs = new ArrayList<>(line.springArgs());
        springArgs.removeIf(a -> a.startsWith("--nightbake.home="));
        springArgs.add("--nightbake.home=" + home);
        return springArgs;
    }

    private static String springProperty(CommandLine line, String name, String fallback) {
        for (String arg : line.springArgs()) {
            if (arg.startsWith("--" + name + "=")) {
                return arg.substring(name.length() + 3);
            }
        }
        return fallback;
    }

    private static int importData(String format, CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("in", "out", "tenant-by"));
        if (!"online-retail".equals(format)) {
            throw new UsageException("import needs a format: `import online-retail --in FILE --out DIR`");
        }
        TenantBy tenantBy;
        try {
            tenantBy = TenantBy.valueOf(line.option("tenant-by", "country").toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tenant-by must be one of " + java.util.Arrays.toString(TenantBy.values()).toLowerCase());
        }
        ImportReport report = OnlineRetailImporter.importFile(Path.of(line.required("in")), Path.of(line.required("out")), tenantBy);
        out.print(report.summary());
        return 0;
    }

    private static int qualityReport(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("data"));
        String template = springProperty(line, "nightbake.template", "");
        QualityReport.run(Path.of(line.option("data", "../shared/data")), TemplateLoader.load(template), out);
        return 0;
    }

    private static int benchmark(CommandLine line, PrintStream out) throws Exception {
        line.allowOnly(Set.of("tenants", "seed", "largest-customers", "largest-products", "interactions-per-customer", "rank",
                "lookup-rate", "lookup-seconds"));
        Path home = Path.of(springProperty(line, "nightbake.home", "./nightbake-bench"));
        resetScratchHome(home);
        FleetSpec spec = fleetSpec(line).withLargestTenant(line.integer("largest-customers", 20_000, 1, 50_000_000),
                line.integer("largest-products", 5_000, 1, 10_000_000));
        int rank = line.integer("rank", 16, 1, 512);
        long started = System.nanoTime();
        List<TenantSummary> fleet = new SyntheticFleetGenerator().generate(spec, home.resolve("tenants"));
        out.printf("generated %d tenants, %d customers, %d interactions in %.1f s (largest %d customers x %d products)%n",
                fleet.size(), fleet.stream().mapToLong(TenantSummary::customers).sum(),
                fleet.stream().mapToLong(TenantSummary::interactions).sum(), (System.nanoTime() - started) / 1e9,
                spec.largestCustomers(), spec.largestProducts());
        // the benchmark measures prebaking at the given rank; a short training keeps the run quick
        Path template = home.resolve("benchmark-template.yaml");
        Files.writeString(template, "name: benchmark\nalgorithm: {name: tribuo-fm, factors: " + rank + ", epochs: 2}\n");
        List<String> springArgs = withHome(line, home);
        springArgs.removeIf(a -> a.startsWith("--nightbake.template="));
        springArgs.addAll(List.of("--nightbake.template=" + template, "--nightbake.security.enabled=false"));
        springArgs = loopbackWhenOpen(springArgs);
        if (springArgs.stream().noneMatch(a -> a.startsWith("--server.port="))) {
            springArgs.add("--server.port=0");
        }
        try (ConfigurableApplicationContext context = start(springArgs, WebApplicationType.SERVLET)) {
            PrebakeBenchmark.run(context, spec.referenceTime().atZone(ZoneOffset.UTC).toLocalDate().minusDays(1),
                    line.integer("lookup-rate", 2000, 1, 100_000), line.integer("lookup-seconds", 10, 1, 3600), out);
        }
        return 0;
    }

    private static int servingBenchmark(CommandLine line, PrintStream out) throws Exception {
        line.allowOnly(Set.of("tenants", "largest-customers", "largest-products", "seed", "connections", "seconds", "rate",
                "thread-models", "event-loop-threads", "serve-jvm-args"));
        Path home = Path.of(springProperty(line, "nightbake.home", "./nightbake-serving-bench"));
        int[] connections;
        try {
            connections = Arrays.stream(line.option("connections", "4,16,64").split(",")).map(String::trim)
                    .mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("--connections must be comma-separated whole numbers, e.g. 4,16,64");
        }
        if (connections.length == 0 || Arrays.stream(connections).anyMatch(c -> c < 1 || c > 10_000)) {
            throw new UsageException("--connections must be 1 to 10000 each");
        }
        List<String> models = Arrays.stream(line.option("thread-models", "pool").split(",")).map(String::trim)
                .toList();
        List<Integer> loops;
        try {
            loops = Arrays.stream(line.option("event-loop-threads", "1,2").split(",")).map(String::trim)
                    .map(Integer::valueOf).toList();
        } catch (NumberFormatException e) {
            throw new UsageException("--event-loop-threads must be comma-separated whole numbers, e.g. 1,2");
        }
        if (loops.isEmpty() || loops.stream().anyMatch(n -> n < 1 || n > 256)) {
            throw new UsageException("--event-loop-threads must be 1 to 256 each");
        }
        if (models.isEmpty() || !Set.of("pool", "virtual").containsAll(models)) {
            throw new UsageException("--thread-models takes pool, virtual or both (comma-separated)");
        }
        String jvmArgs = line.option("serve-jvm-args", "").trim();
        ServingBenchmark.run(new ServingBenchmark.Options(home, line.integer("tenants", 4000, 1, 100_000),
                line.integer("largest-customers", 50_000, 1, 50_000_000), line.integer("largest-products", 5000, 1,
                10_000_000), line.integer("seed", 1, 0, Integer.MAX_VALUE), FleetSpec.DEFAULT_REFERENCE_TIME.atZone(ZoneOffset.UTC)
                .toLocalDate().minusDays(1).toString(), connections,
                line.integer("seconds", 10, 1, 3600), line.integer("rate", 10_000, 1, 1_000_000), models, loops,
                jvmArgs.isEmpty() ? List.of() : List.of(jvmArgs.split("\\s+"))), out);
        return 0;
    }

    /** Empties a demo or benchmark folder, refusing to touch a folder that such a command did not create. */
    private static void resetScratchHome(Path home) throws IOException {
        if (Files.exists(home)) {
            try (Stream<Path> entries = Files.list(home)) {
                if (entries.findAny().isPresent() && !Files.exists(home.resolve(DEMO_MARKER))) {
                    throw new UsageException("this command starts from a clean folder, but " + home.toAbsolutePath()
                            + " has files it did not create; choose another with --nightbake.home=DIR");
                }
            }
            try (Stream<Path> walk = Files.walk(home)) {
                for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(home);
        Files.writeString(home.resolve(DEMO_MARKER), "created by nightbake (demo or benchmark); the next run deletes this folder\n");
    }

    private static void quietLibraries() {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
    }

    private static Throwable rootConfigError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException) {
                return t;
            }
        }
        return e;
    }
}
