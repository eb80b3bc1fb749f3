package io.nightbake.retrain.pipeline;

import io.nightbake.config.AlgorithmSettings;
import io.nightbake.config.GateSettings;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.model.ModelVersion;
import io.nightbake.model.ModelVersions;
import io.nightbake.retrain.data.FeedbackKind;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.ModelArtifacts;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.onnx.OnnxRankingModelExporter;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.Trainer;
import io.nightbake.retrain.train.Trainers;
import io.nightbake.tenant.TenantId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The template pipeline for one tenant: read and validate its data, split off the most recent interactions,
 * train a challenger (or, under the template's {@code min-training-rows}, take the popularity baseline as the model),
 * score challenger, champion and the popularity baseline on the same holdout (RMSE and ranking metrics), decide on
 * the gate metric, store the files and register the version with all its figures (moving the champion pointer in
 * the same transaction when promoted). A tenant's first trained model that does not beat the baseline is registered
 * as rejected, and the popularity baseline is registered after it as the champion, so the tenant has something to serve.
 */
public final class TenantRetrainer {

    private final TemplatePipeline template;
    private final Trainer trainer;
    private final ModelVersions models;
    private final Path modelsDir;
    private final Clock clock;
    private final Predicate<TenantId> testsChallengers;

    /** The start of the reason of a version whose promotion is left to an experiment (see {@link #withExperiments}). */
    public static final String HELD_FOR_EXPERIMENT = "held for an experiment on real customers: ";

    /**
     * Trains every tenant with the template's algorithm for the kind of its interactions: {@code algorithm} for
     * explicit ratings, {@code implicit-feedback.algorithm} for implicit feedback.
     */
    public TenantRetrainer(TemplatePipeline template, ModelVersions models, Path modelsDir, Clock clock) {
        this(template, null, models, modelsDir, clock);
    }

    /** Trains every tenant with {@code trainer}, whatever its interactions (null: as the template says). */
    public TenantRetrainer(TemplatePipeline template, Trainer trainer, ModelVersions models, Path modelsDir, Clock clock) {
        this(template, trainer, models, modelsDir, clock, tenant -> false);
    }

    private TenantRetrainer(TemplatePipeline template, Trainer trainer, ModelVersions models, Path modelsDir, Clock clock,
                            Predicate<TenantId> testsChallengers) {
        this.template = template;
        this.trainer = trainer;
        this.models = models;
        this.modelsDir = modelsDir;
        this.clock = clock;
        this.testsChallengers = testsChallengers;
    }

    /**
     * A retrainer that does not promote the challenger of a tenant for which {@code testsChallengers} holds (control
     * mode ab or bandit): a challenger that passes the gate is registered REJECTED with a reason starting with
     * {@link #HELD_FOR_EXPERIMENT}, and the night's experiment decides on real customers.
     */
    public TenantRetrainer withExperiments(Predicate<TenantId> testsChallengers) {
        return new TenantRetrainer(template, trainer, models, modelsDir, clock, testsChallengers);
    }

    /** Whether the tenant's challengers are left to an experiment (see {@link #withExperiments}). */
    public boolean testsChallengers(TenantId tenant) {
        return testsChallengers.test(tenant);
    }

    /**
     * Retrains from the tenant's folder of Parquet files (the data contract), on the interactions up to the end of
     * {@code runDate} (UTC). When that night's version is already registered (a rerun after a crash), it is reused.
     */
    public RetrainOutcome retrain(TenantId tenant, Path tenantDir, LocalDate runDate) {
        Optional<ModelVersion> done = models.trainedOn(tenant, runDate);
        if (done.isPresent()) {
            return new RetrainOutcome(done.get(), 0, 0, 0, true, null);
        }
        long start = System.nanoTime();
        TenantDataset data = TenantDataReader.read(tenant, tenantDir);
        long cutoff = runDate.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1_000_000L;
        return retrain(data, HoldoutSplit.mostRecent(data, template.holdoutFraction(), cutoff), runDate, start);
    }

    /** Retrains on an explicit split (a benchmark's published folds, say). */
    public RetrainOutcome retrain(TenantDataset data, HoldoutSplit split, LocalDate runDate, long startNanos) {
        TenantId tenant = data.tenant();
        Instant startedAt = clock.instant();
        if (split.trainRows().length == 0 || split.holdoutRows().length == 0) {
            throw new IllegalArgumentException(nothingToTrainOn(data, split, runDate));
        }
        FeatureEncoder encoder = new FeatureEncoder(template.features());
        int[] trainRows = split.trainRows();
        int[] holdoutRows = split.holdoutRows();
        boolean implicit = FeedbackKind.of(data, trainRows) == FeedbackKind.IMPLICIT;
        AlgorithmSettings settings = template.algorithmFor(implicit);
        Trainer trainer = this.trainer != null ? this.trainer : Trainers.forSettings(settings);

        // the popularity baseline: the bar for ranking metrics, and the model of a tenant too small to train
        PopularityBaseline popularity = PopularityBaseline.fit(data, trainRows);
        boolean small = trainRows.length < template.minTrainingRows();

        long trainStart = System.nanoTime();
        FactorizationMachine challenger = small ? popularity.model(data) : trainer.train(data, encoder, trainRows);
        long trainMillis = (System.nanoTime() - trainStart) / 1_000_000;
        RankingFactors ranking = fold(challenger, data, encoder);
        CustomerFigures challengerRmse = Evaluation.rmseByCustomer(challenger, data, encoder, holdoutRows);
        if (!Double.isFinite(challengerRmse.value()) || !challenger.isFinite()) {
            // never register a model that diverged: it would become a champion no one can score or replace
            throw new IllegalStateException(String.format(Locale.ROOT, "tenant '%s': training diverged (%s gave %s, "
                            + "holdout RMSE %s on %d rows): not registered; the champion stays. Check the interactions' "
                            + "values (range %s) or lower the template's learning rate", tenant, trainer.algorithm(),
                    challenger.isFinite() ? "finite parameters" : "non-finite parameters", challengerRmse.value(),
                    holdoutRows.length, valueRange(data, trainRows)));
        }

        RankingEvaluation rankingEvaluation = RankingEvaluation.prepare(data, split, template.evaluation(), settings.seed());
        RankingEvaluation.Figures challengerRanking = rankingEvaluation.evaluate(RankingEvaluation.scorer(ranking));
        RankingEvaluation.Figures popularityRanking = rankingEvaluation.evaluate(popularity.scorer());
        double baselineRmse = Evaluation.globalMeanBaselineRmse(data, trainRows, holdoutRows);

        Optional<ModelVersion> champion = models.champion(tenant);
        CustomerFigures championRmse = null;
        RankingEvaluation.Figures championRanking = null;
        if (champion.isPresent()) {
            FactorizationMachine championModel = ModelArtifacts.readModel(Path.of(champion.get().artifactPath()));
            championRmse = Evaluation.rmseByCustomer(championModel, data, encoder, holdoutRows);
            championRanking = rankingEvaluation.evaluate(RankingEvaluation.scorer(fold(championModel, data, encoder)));
        }

        GateSettings gate = template.gateFor(implicit);
        ChampionChallengerPolicy policy = new ChampionChallengerPolicy(gate, rankingEvaluation.k(), settings.seed());
        ChampionChallengerPolicy.Decision decision;
        if (small && champion.isEmpty()) {
            decision = new ChampionChallengerPolicy.Decision(true, String.format(Locale.ROOT,
                    "first model: %d training rows are under min-training-rows %d, so the popularity baseline is the model "
                            + "(RMSE %.4f, global-mean baseline %.4f)", trainRows.length, template.minTrainingRows(),
                    challengerRmse.value(), baselineRmse));
        } else if (gate.lowerIsBetter()) {
            decision = policy.decide(challengerRmse, championRmse, baselineRmse, holdoutRows.length);
        } else {
            decision = policy.decide(challengerRanking.of(gate.metric()),
                    championRanking == null ? null : championRanking.of(gate.metric()),
                    popularityRanking.of(gate.metric()).value(), holdoutRows.length);
        }
        if (small && champion.isPresent()) {
            decision = new ChampionChallengerPolicy.Decision(decision.promote(), String.format(Locale.ROOT,
                    "popularity baseline (%d training rows under min-training-rows %d); %s", trainRows.length,
                    template.minTrainingRows(), decision.reason()));
        }

        // a popularity model (a tenant too small to train) is not worth an experiment: the gate decides as in manual mode
        if (decision.promote() && champion.isPresent() && !small && testsChallengers.test(tenant)) {
            String passed = decision.reason().endsWith("; promoted")
                    ? decision.reason().substring(0, decision.reason().length() - "; promoted".length()) : decision.reason();
            decision = new ChampionChallengerPolicy.Decision(false, HELD_FOR_EXPERIMENT + passed);
        }

        String feedback = "feedback=" + (implicit ? "implicit" : "explicit");
        String popularityParameters = "{" + feedback + ", min-training-rows=" + template.minTrainingRows() + "}";
        Figures figures = new Figures(challengerRmse, challengerRanking, championRmse, championRanking, popularityRanking,
                baselineRmse, gate.metric());
        ModelVersion stored = small
                ? register(data, split, runDate, startedAt, "", challenger, ranking, PopularityBaseline.ALGORITHM,
                popularityParameters, PopularityBaseline.LIBRARY_VERSION, figures, champion, decision)
                : register(data, split, runDate, startedAt, "", challenger, ranking, trainer.algorithm(),
                "{" + feedback + ", " + settings.hyperParameters().toString().substring(1), trainer.libraryVersion(), figures,
                champion, decision);
        ModelVersion rejected = null;
        if (champion.isEmpty() && !stored.promoted()) {
            // a first trained model that does not beat the baseline would leave the tenant with nothing to serve: the
            // popularity baseline becomes the champion until a trained model beats it (the rejected one stays on record)
            rejected = stored;
            FactorizationMachine fallback = popularity.model(data);
            RankingFactors fallbackRanking = fold(fallback, data, encoder);
            Figures fallbackFigures = new Figures(Evaluation.rmseByCustomer(fallback, data, encoder, holdoutRows),
                    popularityRanking, null, null, popularityRanking, baselineRmse, gate.metric());
            stored = register(data, split, runDate, startedAt, "-popularity", fallback, fallbackRanking,
                    PopularityBaseline.ALGORITHM, popularityParameters, PopularityBaseline.LIBRARY_VERSION, fallbackFigures,
                    champion, new ChampionChallengerPolicy.Decision(true, String.format(Locale.ROOT,
                            "first model: the trained %s (version %d) was rejected, so the popularity baseline serves until "
                                    + "a trained model beats it; version %d: %s", trainer.algorithm(), rejected.version(),
                            rejected.version(), rejected.reason())));
        }
        return new RetrainOutcome(stored, data.interactionCount(), trainMillis, (System.nanoTime() - startNanos) / 1_000_000,
                false, rejected, split.duplicatesCollapsed());
    }

    /**
     * Why a tenant has nothing to train on for {@code runDate}: every interaction is after the run date, or too few
     * are up to it to train and hold out.
     */
    public static String nothingToTrainOn(TenantDataset data, HoldoutSplit split, LocalDate runDate) {
        long cutoff = runDate.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1_000_000L;
        int upToRunDate = 0;
        long firstAfter = Long.MAX_VALUE;
        for (int row = 0; row < data.interactionCount(); row++) {
            long time = data.eventTimeMicros(row);
            if (time < cutoff) {
                upToRunDate++;
            } else {
                firstAfter = Math.min(firstAfter, time);
            }
        }
        String tenant = "tenant '" + data.tenant() + "': ";
        if (upToRunDate == 0) {
            return tenant + "nothing to train on for run date " + runDate + ": all " + data.interactionCount()
                    + " interactions are after it (the first at " + Instant.ofEpochSecond(0, firstAfter * 1000L)
                    + "); run a later date or check the event times";
        }
        return tenant + "nothing to train on for run date " + runDate + ": only " + upToRunDate + " of "
                + data.interactionCount() + " interactions are up to the end of that date (" + split.trainRows().length
                + " for training, " + split.holdoutRows().length + " held out); at least one of each is needed";
    }

    private static String valueRange(TenantDataset data, int[] rows) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int row : rows) {
            min = Math.min(min, data.value(row));
            max = Math.max(max, data.value(row));
        }
        return String.format(Locale.ROOT, "%g..%g", min, max);
    }

    /** The holdout figures a version is registered with. */
    private record Figures(CustomerFigures rmse, RankingEvaluation.Figures ranking, CustomerFigures championRmse,
                           RankingEvaluation.Figures championRanking, RankingEvaluation.Figures popularityRanking,
                           double baselineRmse, String gateMetric) {
    }

    /** Writes a model's files (parameters and ONNX ranking graph) and registers its version with its lineage and figures. */
    private ModelVersion register(TenantDataset data, HoldoutSplit split, LocalDate runDate, Instant startedAt, String dirSuffix,
                                  FactorizationMachine model, RankingFactors ranking, String algorithm, String hyperParameters,
                                  String library, Figures figures, Optional<ModelVersion> champion,
                                  ChampionChallengerPolicy.Decision decision) {
        TenantId tenant = data.tenant();
        Path artifactDir = modelsDir.resolve(tenant.value())
                .resolve(runDate + "-" + Long.toHexString(clock.millis()) + dirSuffix);
        ModelArtifacts.write(artifactDir, model, ranking, OnnxRankingModelExporter.export(ranking, tenant.value() + "-" + runDate));
        ModelVersion candidate = new ModelVersion(tenant, 0, runDate, template.name(), template.version(),
                algorithm, hyperParameters, fingerprint(data, split.trainRows()), split.trainRows().length,
                split.holdoutRows().length, figures.rmse().value(),
                figures.championRmse() == null ? null : figures.championRmse().value(), figures.baselineRmse(),
                champion.map(ModelVersion::version).orElse(null),
                decision.promote() ? ModelVersion.Decision.PROMOTED : ModelVersion.Decision.REJECTED, decision.reason(),
                library + ", onnx-opset=13, java=" + Runtime.version(),
                artifactDir.toAbsolutePath().toString(), startedAt, clock.instant(), figures.gateMetric(),
                figures.ranking().metrics(), figures.championRanking() == null ? null : figures.championRanking().metrics(),
                figures.popularityRanking().metrics());
        return models.register(candidate, "nightly");
    }

    /** The model folded over the tenant's current customers and products, ready to export as a ranking graph. */
    public static RankingFactors fold(FactorizationMachine model, TenantDataset data, FeatureEncoder encoder) {
        var index = model.featureIndex();
        return model.fold(data.customerIds(), encoder.customerIndices(data, index), data.productIds(),
                encoder.productIndices(data, index));
    }

    /** SHA-256 of the training rows (ids, value, time), so two versions can be checked for identical inputs. */
    static String fingerprint(TenantDataset data, int[] rows) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer numbers = ByteBuffer.allocate(16);
            for (int row : rows) {
                digest.update(data.customerId(data.customer(row)).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(data.productId(data.product(row)).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                numbers.clear();
                numbers.putDouble(data.value(row)).putLong(data.eventTimeMicros(row));
                digest.update(numbers.array());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
