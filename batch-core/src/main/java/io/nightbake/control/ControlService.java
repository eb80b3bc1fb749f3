package io.nightbake.control;

import io.nightbake.NightbakeProperties;
import io.nightbake.config.ControlSettings;
import io.nightbake.config.GateSettings;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.experiment.ArmDayCounts;
import io.nightbake.experiment.ArmKpiSource;
import io.nightbake.experiment.ArmTable;
import io.nightbake.experiment.Experiment;
import io.nightbake.experiment.ExperimentNight;
import io.nightbake.experiment.ExperimentPolicy;
import io.nightbake.experiment.ExperimentRegistry;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.model.RankingMetrics;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.ModelArtifacts;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.onnx.OnnxRankingModelExporter;
import io.nightbake.retrain.pipeline.PopularityBaseline;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Automatic control in the nightly run and for operators. After retraining and before prebaking, {@link #night} takes
 * every tenant's experiment one night further: a running one is decided on the KPI counts so far (or stopped when the
 * tenant is no longer ON, no longer in ab/bandit mode, or its champion was changed by hand); an ON tenant in ab or
 * bandit mode whose challenger of tonight passed the offline gate (or came within the margin) starts one. Every
 * decision is stored per night, so a rerun of the night decides nothing again and reshuffles nobody.
 * {@link #armsFor} then tells the prebake which arms to bake.
 */
@Service
public class ControlService {

    private static final Logger log = LoggerFactory.getLogger(ControlService.class);

    private final ExperimentRegistry experiments;
    private final ModelRegistry models;
    private final TenantRegistry tenants;
    private final ArmKpiSource kpis;
    private final TemplatePipeline template;
    private final NightbakeProperties properties;
    private final Clock clock;

    public ControlService(ExperimentRegistry experiments, ModelRegistry models, TenantRegistry tenants, ArmKpiSource kpis,
                          TemplatePipeline template, NightbakeProperties properties, Clock clock) {
        this.experiments = experiments;
        this.models = models;
        this.tenants = tenants;
        this.kpis = kpis;
        this.template = template;
        this.properties = properties;
        this.clock = clock;
    }

    public ControlSettings settings() {
        return template.control();
    }

    public String mode(TenantId tenant) {
        return experiments.mode(tenant, settings());
    }

    /** True when the tenant's challengers go through an experiment instead of straight to champion. */
    public boolean testsChallengers(TenantId tenant) {
        return !ControlSettings.MANUAL.equals(mode(tenant));
    }

    /** The control step of the night {@code runDate}: one line per tenant that has or starts an experiment. */
    public List<String> night(LocalDate runDate) {
        List<String> lines = new ArrayList<>();
        // two queries for the whole fleet, so that manual tenants without experiment cost nothing more
        java.util.Map<TenantId, String> ownModes = experiments.ownModes();
        java.util.Set<TenantId> running = experiments.runningTenants();
        for (Tenant tenant : tenants.list()) {
            if (!running.contains(tenant.id())
                    && ControlSettings.MANUAL.equals(ownModes.getOrDefault(tenant.id(), settings().mode()))) {
                continue;
            }
            try {
                String line = night(tenant, runDate);
                if (line != null) {
                    lines.add(tenant.id() + ": " + line);
                    log.info("[control {}] {}", tenant.id(), line);
                }
            } catch (RuntimeException e) {
                // the tenant keeps its experiment as it was; tonight's lists come from the champion alone
                log.warn("[control {}] experiment step failed, serving the champion only tonight: {}", tenant.id(),
                        e.toString());
                lines.add(tenant.id() + ": experiment step failed: " + e.getMessage());
            }
        }
        return lines;
    }

    String night(Tenant tenant, LocalDate runDate) {
        TenantId id = tenant.id();
        String mode = mode(id);
        Optional<Experiment> running = experiments.running(id);
        if (running.isPresent()) {
            Experiment e = running.get();
            if (!e.startedOn().isBefore(runDate)) {
                return "experiment " + e.id() + " started tonight";
            }
            String stop = null;
            Optional<ModelVersion> champion = models.champion(id);
            if (tenant.state() != TenantState.ON) {
                stop = "tenant is " + tenant.state() + ": FROZEN and OFF tenants run no experiment";
            } else if (!e.kind().equals(mode)) {
                stop = "control mode is now " + mode;
            } else if (champion.isEmpty() || champion.get().version() != e.championVersion()) {
                stop = "the champion was changed by hand to version " + champion.map(ModelVersion::version).orElse(null);
            }
            if (stop != null) {
                experiments.stop(id, runDate, "nightly", stop);
                return "experiment " + e.id() + " stopped: " + stop;
            }
            Optional<ExperimentNight> done = experiments.night(e.id(), runDate);
            if (done.isPresent()) {
                return "experiment " + e.id() + " already decided tonight: " + done.get().outcome();
            }
            List<ArmDayCounts> counts = kpis.counts(id, e.startedOn(), runDate);
            ExperimentNight night = ExperimentPolicy.decide(e, settings(), counts, experiments.nights(e.id()), runDate);
            experiments.recordNight(e, night);
            return String.format(Locale.ROOT, "experiment %d night %d: %s, challenger share %.3f (%s)", e.id(),
                    ChronoUnit.DAYS.between(e.startedOn(), runDate), night.outcome(), night.challengerShare(), night.figures());
        }
        if (tenant.state() != TenantState.ON || ControlSettings.MANUAL.equals(mode)) {
            return null;
        }
        if (experiments.startedOn(id, runDate).isPresent()) {
            return null; // tonight's experiment already ended (stopped by hand): no second one tonight
        }
        Optional<ModelVersion> tonight = models.trainedOn(id, runDate);
        Optional<ModelVersion> champion = models.champion(id);
        if (tonight.isEmpty() || champion.isEmpty() || tonight.get().version() == champion.get().version()
                || tonight.get().promoted() || PopularityBaseline.ALGORITHM.equals(tonight.get().algorithm())) {
            return null;
        }
        String qualifies = qualifies(tonight.get());
        if (qualifies == null) {
            return null;
        }
        double firstShare = ControlSettings.AB.equals(mode) ? settings().ab().split() : 0.5;
        Experiment e = experiments.start(id, mode, champion.get().version(), tonight.get().version(),
                settings().baselineShare(), runDate, firstShare, qualifies);
        return String.format(Locale.ROOT, "experiment %d started (%s): champion v%d against challenger v%d, challenger "
                + "share %.2f, baseline group %.2f; %s", e.id(), mode, e.championVersion(), e.challengerVersion(), firstShare,
                e.baselineShare(), qualifies);
    }

    /** Why the version deserves an arm, or null: it passed the gate (held), or is within the offline gate margin. */
    String qualifies(ModelVersion v) {
        if (v.reason() != null && v.reason().startsWith(TenantRetrainer.HELD_FOR_EXPERIMENT)) {
            return "passed the offline gate: " + v.reason().substring(TenantRetrainer.HELD_FOR_EXPERIMENT.length());
        }
        double margin = settings().offlineGateMargin();
        if (margin <= 0) {
            return null;
        }
        String metric = v.gateMetric() == null ? GateSettings.RMSE : v.gateMetric();
        Double challenger;
        Double champion;
        if (GateSettings.RMSE.equals(metric)) {
            challenger = v.challengerRmse();
            champion = v.championRmse();
            if (champion != null && challenger <= champion + margin) {
                return String.format(Locale.ROOT, "within the offline gate margin %s: RMSE %.4f against the champion's %.4f",
                        margin, challenger, champion);
            }
            return null;
        }
        challenger = metric(v.ranking(), metric);
        champion = metric(v.championRanking(), metric);
        if (challenger != null && champion != null && challenger >= champion - margin) {
            return String.format(Locale.ROOT, "within the offline gate margin %s: %s %.4f against the champion's %.4f",
                    margin, metric, challenger, champion);
        }
        return null;
    }

    private static Double metric(RankingMetrics m, String metric) {
        if (m == null) {
            return null;
        }
        return GateSettings.NDCG.equals(metric) ? m.ndcg() : m.precision();
    }

    /**
     * The arms to prebake tonight for the tenant: empty when it runs no experiment (or its experiment ended tonight),
     * else the arm table of tonight's decision. Pure reads, so a rerun of the prebake gets the same table.
     */
    public Optional<ArmTable> armsFor(TenantId tenant, LocalDate runDate) {
        Optional<Experiment> running = experiments.running(tenant);
        if (running.isEmpty()) {
            return Optional.empty();
        }
        return experiments.night(running.get().id(), runDate)
                .filter(n -> n.outcome() == Experiment.Outcome.CONTINUE)
                .map(n -> running.get().armTable(n.challengerShare()));
    }

    /** The baseline arm's model folders: {@code <models>/<tenant>/baseline-<run date>}. */
    public static final String BASELINE_FOLDER_PREFIX = "baseline-";

    /**
     * The model folder of an arm: the registered version's, or for the baseline arm (version 0) tonight's popularity
     * lists as a model, fitted on the tenant's interactions up to the run date and written once per night.
     */
    public Path armModelDir(TenantId tenant, ArmTable.Arm arm, LocalDate runDate) {
        if (arm.modelVersion() > 0) {
            return Path.of(models.find(tenant, arm.modelVersion()).orElseThrow(() -> new IllegalStateException(
                    "tenant '" + tenant + "': arm " + arm.name() + " names model version " + arm.modelVersion()
                            + ", which is not registered")).artifactPath());
        }
        Path dir = properties.modelsDir().resolve(tenant.value()).resolve(BASELINE_FOLDER_PREFIX + runDate);
        if (Files.exists(dir.resolve(ModelArtifacts.PARAMETERS))) {
            return dir;
        }
        TenantDataset data = TenantDataReader.read(tenant, properties.tenantsDir().resolve(tenant.value()));
        long cutoff = runDate.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1_000_000L;
        int[] rows = IntStream.range(0, data.interactionCount()).filter(r -> data.eventTimeMicros(r) < cutoff).toArray();
        FactorizationMachine model = PopularityBaseline.fit(data, rows).model(data);
        RankingFactors factors = TenantRetrainer.fold(model, data, new FeatureEncoder(template.features()));
        ModelArtifacts.write(dir, model, factors, OnnxRankingModelExporter.export(factors, tenant.value() + "-baseline"));
        return dir;
    }

    // ------------------------------------------------------------------ operators

    /** Sets the tenant's control mode; a running experiment of another kind stops. */
    public ModeChange setMode(TenantId tenant, String mode, String actor, String reason) {
        tenants.get(tenant);
        String checked = ControlSettings.checkMode(mode, "mode");
        String before = mode(tenant);
        experiments.setMode(tenant, checked, actor, reason);
        Experiment stopped = null;
        Optional<Experiment> running = experiments.running(tenant);
        if (running.isPresent() && !running.get().kind().equals(checked)) {
            stopped = experiments.stop(tenant, LocalDate.now(clock), actor, "control mode set to " + checked + ": " + reason);
        }
        return new ModeChange(tenant.value(), before, checked, stopped == null ? null : stopped.id());
    }

    public record ModeChange(String tenant, String previousMode, String mode, Long stoppedExperiment) {
    }

    /** Stops the tenant's running experiment: the champion takes all traffic from the next prebake on. */
    public Experiment stop(TenantId tenant, String actor, String reason) {
        tenants.get(tenant);
        return experiments.stop(tenant, LocalDate.now(clock), actor, reason);
    }

    /** What the admin API and the CLI show: the tenant's mode and its latest experiment with its figures. */
    public ExperimentView view(TenantId tenant) {
        tenants.get(tenant);
        Optional<String> own = experiments.ownMode(tenant);
        List<Experiment> all = experiments.experiments(tenant);
        ExperimentDetail detail = all.isEmpty() ? null : detail(all.get(0));
        List<ExperimentSummary> earlier = all.stream().skip(1).map(e -> new ExperimentSummary(e.id(), e.kind(),
                e.championVersion(), e.challengerVersion(), e.startedOn(), e.endedOn(),
                e.decision() == null ? null : e.decision().name(), e.reason())).toList();
        return new ExperimentView(tenant.value(), own.orElse(settings().mode()), own.isPresent() ? "tenant" : "template",
                settings().kpi(), detail, earlier,
                experiments.controlHistory(tenant));
    }

    private ExperimentDetail detail(Experiment e) {
        LocalDate today = LocalDate.now(clock);
        LocalDate to = e.endedOn() != null ? e.endedOn() : today;
        List<ArmDayCounts> counts = kpis.counts(e.tenant(), e.startedOn(), to.isBefore(e.startedOn()) ? e.startedOn() : to);
        boolean conversion = settings().conversion();
        List<ExperimentPolicy.ArmFigures> figures = ExperimentPolicy.figures(e, counts, conversion);
        List<ExperimentNight> nights = experiments.nights(e.id());
        double share = nights.isEmpty() ? 0 : nights.get(nights.size() - 1).challengerShare();
        ArmTable table = e.armTable(share);
        Double baselineKpi = e.hasBaseline() && figures.get(2).impressions() > 0 ? figures.get(2).kpi() : null;
        List<ArmView> arms = new ArrayList<>();
        String[] roles = {"champion", "challenger", "baseline"};
        for (int i = 0; i < figures.size(); i++) {
            ExperimentPolicy.ArmFigures f = figures.get(i);
            Double uplift = baselineKpi == null || baselineKpi == 0 || i == 2 ? null : (f.kpi() - baselineKpi) / baselineKpi;
            arms.add(new ArmView(f.arm(), roles[i], f.modelVersion(), e.running() ? table.arms().get(i).share() : null,
                    f.impressions(), f.clicks(), f.purchases(), f.kpi(), f.kpiLow(), f.kpiHigh(), uplift));
        }
        long days = ChronoUnit.DAYS.between(e.startedOn(), e.endedOn() != null ? e.endedOn() : today);
        return new ExperimentDetail(e.id(), e.kind(), e.running() ? "RUNNING" : "ENDED", e.startedOn(), e.endedOn(),
                Math.max(0, days), e.seed(), e.baselineShare(), arms, e.decision() == null ? null : e.decision().name(),
                e.reason(), experiments.lineage(e.tenant(), e.challengerVersion()).orElse(null),
                nights.stream().map(n -> new NightView(n.runDate(), n.challengerShare(), n.outcome().name(), n.figures()))
                        .toList());
    }

    public record ExperimentView(String tenant, String mode, String modeSource, String kpi, ExperimentDetail experiment,
                                 List<ExperimentSummary> earlier, List<ExperimentRegistry.ControlChange> controlHistory) {
    }

    public record ExperimentDetail(long id, String kind, String status, LocalDate startedOn, LocalDate endedOn,
                                   long daysRunning, long seed, double baselineShare, List<ArmView> arms, String decision,
                                   String reason, String lineage, List<NightView> nights) {
    }

    /** One arm: its traffic share now (null once ended), its KPI so far with the Wilson 95% interval. */
    public record ArmView(String arm, String role, int modelVersion, Double share, long impressions, long clicks,
                          long purchases, double kpi, double kpiLow, double kpiHigh, Double upliftOverBaseline) {
    }

    public record NightView(LocalDate runDate, double challengerShare, String outcome, String figures) {
    }

    public record ExperimentSummary(long id, String kind, int championVersion, int challengerVersion, LocalDate startedOn,
                                    LocalDate endedOn, String decision, String reason) {
    }
}
