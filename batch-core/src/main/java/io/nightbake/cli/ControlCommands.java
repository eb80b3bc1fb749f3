package io.nightbake.cli;

import io.nightbake.NightbakeCli;
import io.nightbake.cli.CommandLine.UsageException;
import io.nightbake.config.ControlSettings;
import io.nightbake.config.TemplateLoader;
import io.nightbake.control.ControlService;
import io.nightbake.experiment.ControlSimulation;
import io.nightbake.experiment.Experiment;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.UnknownTenantException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/** Automatic control from the command line: control modes, experiments, and the seeded simulation. */
public final class ControlCommands {

    private ControlCommands() {
    }

    public static int setControl(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant", "mode", "reason"));
        TenantId tenant = OperatorCommands.tenantId(line.required("tenant"));
        String mode = line.required("mode");
        try {
            mode = ControlSettings.checkMode(mode, "--mode");
        } catch (RuntimeException e) {
            throw new UsageException(e.getMessage());
        }
        String reason = reason(line);
        try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
            ControlService.ModeChange change = context.getBean(ControlService.class).setMode(tenant, mode,
                    OperatorCommands.operator(), reason);
            out.printf("tenant %s: control mode %s -> %s%s%n", tenant, change.previousMode(), change.mode(),
                    change.stoppedExperiment() == null ? "" : "; experiment " + change.stoppedExperiment() + " stopped");
            return 0;
        } catch (UnknownTenantException e) {
            throw new UsageException(e.getMessage());
        }
    }

    public static int experiment(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant"));
        TenantId tenant = OperatorCommands.tenantId(line.required("tenant"));
        try (ReadOnlyContext context = ReadOnlyContext.open(line.springArgs())) {
            ControlService.ExperimentView view = context.get(ControlService.class).view(tenant);
            out.println(context.get(JsonMapper.class).writerWithDefaultPrettyPrinter().writeValueAsString(view));
            return 0;
        } catch (UnknownTenantException e) {
            throw new UsageException(e.getMessage());
        }
    }

    public static int stopExperiment(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("tenant", "reason"));
        TenantId tenant = OperatorCommands.tenantId(line.required("tenant"));
        String reason = reason(line);
        try (ConfigurableApplicationContext context = NightbakeCli.start(line.springArgs(), WebApplicationType.NONE)) {
            Experiment stopped = context.getBean(ControlService.class).stop(tenant, OperatorCommands.operator(), reason);
            out.printf("tenant %s: experiment %d stopped; the champion v%d takes all traffic from the next prebake%n",
                    tenant, stopped.id(), stopped.championVersion());
            return 0;
        } catch (UnknownTenantException | IllegalStateException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * The seeded simulation of the README: a synthetic tenant, one version truly better; prints the bandit's and a
     * fixed 50/50 split's traffic and cumulative regret night by night, the A/B test's decision, and the A/B test's
     * false-promotion rate over seeded repetitions with equal arms. Runs without the database.
     */
    public static int simulateControl(CommandLine line, PrintStream out) {
        line.allowOnly(Set.of("nights", "seed", "customers", "impression-rate", "champion-rate", "challenger-rate",
                "repetitions"));
        String templateFile = line.springArgs().stream().filter(a -> a.startsWith("--nightbake.template="))
                .map(a -> a.substring("--nightbake.template=".length())).findFirst().orElse(null);
        ControlSettings settings = TemplateLoader.load(templateFile).control();
        ControlSimulation.Scenario scenario = new ControlSimulation.Scenario(
                line.integer("customers", 5000, 10, 10_000_000),
                decimal(line, "impression-rate", 0.4, 0.001, 1),
                decimal(line, "champion-rate", 0.05, 0, 0.5),
                decimal(line, "challenger-rate", 0.065, 0, 0.5),
                line.integer("nights", 30, 1, 365),
                line.integer("seed", 7, Integer.MIN_VALUE, Integer.MAX_VALUE));
        int repetitions = line.integer("repetitions", 200, 1, 100_000);

        ControlSimulation.Run bandit = ControlSimulation.run(ControlSettings.BANDIT, settings, scenario);
        ControlSimulation.Run fiftyFifty = ControlSimulation.fixedSplit(0.5, scenario);
        ControlSimulation.Run ab = ControlSimulation.run(ControlSettings.AB, settings, scenario);
        out.printf(Locale.ROOT, "synthetic tenant: %d customers, %.0f%% see their list each day, true click-through %s "
                        + "(champion) vs %s (challenger), %d nights, seed %d%n", scenario.customers(),
                scenario.impressionRate() * 100, scenario.championRate(), scenario.challengerRate(), scenario.nights(),
                scenario.seed());
        out.println();
        out.println("| night | bandit: better arm's share | bandit: cumulative regret | 50/50: cumulative regret | A/B test: better arm's share | A/B test: cumulative regret |");
        out.println("|---:|---:|---:|---:|---:|---:|");
        for (int n = 0; n < scenario.nights(); n++) {
            out.printf(Locale.ROOT, "| %d | %.3f | %.1f | %.1f | %.3f | %.1f |%n", n + 1, bandit.nights().get(n).betterShare(),
                    bandit.nights().get(n).cumulativeRegret(), fiftyFifty.nights().get(n).cumulativeRegret(),
                    ab.nights().get(n).betterShare(), ab.nights().get(n).cumulativeRegret());
        }
        out.println();
        out.printf(Locale.ROOT, "bandit: >= 80%% of the traffic on the better arm from night %d; decision %s on night %d; "
                + "regret %.1f against %.1f for 50/50 (%.0f%% less)%n", bandit.firstNightWithBetterShare(0.8),
                bandit.decision(), bandit.decidedOn(), bandit.regret(), fiftyFifty.regret(),
                100 * (1 - bandit.regret() / fiftyFifty.regret()));
        out.printf(Locale.ROOT, "A/B test: decision %s on night %d (%s)%n", ab.decision(), ab.decidedOn(), ab.lastFigures());
        int promoted = ControlSimulation.promotions(settings,
                scenario.withRates(scenario.championRate(), scenario.championRate()), repetitions);
        int found = ControlSimulation.promotions(settings, scenario, repetitions);
        out.printf(Locale.ROOT, "A/B test over %d seeded repetitions: equal arms promoted %d times (false-promotion rate "
                        + "%.3f, alpha %s); the better challenger promoted %d times (power %.3f)%n", repetitions, promoted,
                promoted / (double) repetitions, settings.ab().alpha(), found, found / (double) repetitions);
        return 0;
    }

    private static double decimal(CommandLine line, String name, double fallback, double min, double max) {
        String text = line.option(name, null);
        if (text == null) {
            return fallback;
        }
        try {
            double value = Double.parseDouble(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--" + name + " must be a number from " + min + " to " + max + ", was '" + text + "'");
    }

    private static String reason(CommandLine line) {
        String reason = line.required("reason");
        if (reason.isBlank() || reason.strip().length() > 1000) {
            throw new UsageException("--reason must say why (1-1000 characters)");
        }
        return reason.strip();
    }
}
