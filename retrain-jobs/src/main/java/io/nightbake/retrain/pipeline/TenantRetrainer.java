package io.nightbake.retrain.pipeline;

import io.nightbake.config.AlgorithmSettings;
import io.nightbake.config.GateSettings;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.model.ModelVersion;
import io.nightbake.model.ModelVersions;
import io.nightbake.model.ServedRanking;
import io.nightbake.retrain.data.FeedbackKind;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.ModelArtifacts;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.onnx.OnnxRankingModelExporter;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.ImplicitAlsTrainer;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
        // the gate protocol: the champion was refitted on every interaction up to its training cutoff, so it is scored
        // only on newer ones; the held-out rows it saw move to training (the challenger learns what the champion knew)
        Optional<ModelVersion> champion = models.champion(tenant);
        Optional<ServedRanking> championServed = champion.flatMap(v -> models.servedRanking(tenant, v.version()));
        String unfairHoldout = null;
        if (championServed.isPresent()) {
            long cutoff = championServed.get().trainedThroughMicros();
            HoldoutSplit fresh = split.after(data, cutoff);
            int needed = minFreshHoldoutRows(split);
            if (fresh.holdoutRows().length >= needed) {
                split = fresh;
            } else {
                unfairHoldout = String.format(Locale.ROOT, "only %d of the %d held-out interactions are newer than champion "
                        + "v%d's training cutoff %s (at least %d needed to score it on rows it was not fitted on): the "
                        + "champion stays", fresh.holdoutRows().length, split.holdoutRows().length,
                        champion.get().version(), Instant.EPOCH.plusNanos(cutoff * 1000), needed);
            }
        }
        FeatureEncoder encoder = new FeatureEncoder(template.features());
        int[] trainRows = split.trainRows();
        int[] holdoutRows = split.holdoutRows();
        boolean implicit = FeedbackKind.of(data, trainRows) == FeedbackKind.IMPLICIT;
        AlgorithmSettings settings = template.algorithmFor(implicit);
        Trainer trainer = this.trainer != null ? this.trainer : Trainers.forSettings(settings);
        ServedRankings rankings = new ServedRankings(data, implicit, settings.seed());

        // the popularity baseline: the bar for ranking metrics, and the model of a tenant too small to train
        PopularityBaseline popularity = PopularityBaseline.fit(data, trainRows);
        boolean small = trainRows.length < template.minTrainingRows();

        long trainStart = System.nanoTime();
        FactorizationMachine challenger = small ? popularity.model(data) : trainer.train(data, encoder, trainRows);
        FactorizationMachine engage = small ? null : rankings.trainEngagement(trainRows);
        long trainMillis = (System.nanoTime() - trainStart) / 1_000_000;

        RankingEvaluation rankingEvaluation = RankingEvaluation.prepare(data, split, template.evaluation(), settings.seed());
        CustomerFigures challengerRmse = Evaluation.rmseByCustomer(challenger, data, encoder, holdoutRows);
        if (!Double.isFinite(challengerRmse.value()) || !challenger.isFinite()) {
            // never register a model that diverged: it would become a champion no one can score or replace
            throw new IllegalStateException(String.format(Locale.ROOT, "tenant '%s': training diverged (%s gave %s, "
                            + "holdout RMSE %s on %d rows): not registered; the champion stays. Check the interactions' "
                            + "values (range %s) or lower the template's learning rate", tenant, trainer.algorithm(),
                    challenger.isFinite() ? "finite parameters" : "non-finite parameters", challengerRmse.value(),
                    holdoutRows.length, valueRange(data, trainRows)));
        }
        RankingEvaluation.Figures popularityRanking = rankingEvaluation.evaluate(popularity.scorer());
        // the ranking guard: the candidates' lists against popularity's, on the same seeded sample of customers
        List<RankingChoice.Candidate> candidates = new ArrayList<>();
        if (!small) {
            for (ServedRankings.Recipe recipe : rankings.recipes()) {
                FactorizationMachine served = recipe.build(challenger, engage, trainRows);
                candidates.add(new RankingChoice.Candidate(recipe.name(), served,
                        rankingEvaluation.evaluate(RankingEvaluation.scorer(fold(served, data, encoder)))));
            }
        }
        RankingChoice.Outcome choice = RankingChoice.choose(candidates, popularityRanking);
        RankingEvaluation.Figures challengerRanking = choice.figures();
        double baselineRmse = Evaluation.globalMeanBaselineRmse(data, trainRows, holdoutRows);

        CustomerFigures championRmse = null;
        RankingEvaluation.Figures championRanking = null;
        if (champion.isPresent() && unfairHoldout == null) {
            Path championDir = Path.of(champion.get().artifactPath());
            FactorizationMachine championModel = ModelArtifacts.readModel(championDir);
            championRmse = Evaluation.rmseByCustomer(championModel, data, encoder, holdoutRows);
            championRanking = rankingEvaluation.evaluate(RankingEvaluation.scorer(
                    fold(ModelArtifacts.readRankingModel(championDir), data, encoder)));
        }

        GateSettings gate = template.gateFor(implicit);
        ChampionChallengerPolicy policy = new ChampionChallengerPolicy(gate, rankingEvaluation.k(), settings.seed());
        ChampionChallengerPolicy.Decision decision;
        if (unfairHoldout != null) {
            decision = new ChampionChallengerPolicy.Decision(false, unfairHoldout);
        } else if (small && champion.isEmpty()) {
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

        // serve what was learned from all the data: a promoted challenger is refitted, with the same settings and the
        // same published ranking, on training + holdout before it is exported (its figures stay the held-out ones)
        int[] exportRows = trainRows;
        FactorizationMachine exportModel = challenger;
        FactorizationMachine exportRanking = choice.popularity() ? popularity.model(data) : choice.chosen().model();
        if (decision.promote()) {
            long refitStart = System.nanoTime();
            exportRows = split.allRows();
            PopularityBaseline allPopularity = PopularityBaseline.fit(data, exportRows);
            if (small) {
                exportModel = allPopularity.model(data);
                exportRanking = exportModel;
            } else {
                exportModel = trainer.train(data, encoder, exportRows);
                exportRanking = choice.popularity() ? allPopularity.model(data)
                        : rankings.recipe(choice.chosen().name()).build(exportModel,
                        rankings.needsEngagement(choice.chosen().name()) ? rankings.trainEngagement(exportRows) : null,
                        exportRows);
            }
            trainMillis += (System.nanoTime() - refitStart) / 1_000_000;
        }
        ServedRanking served = served(choice, popularityRanking, small ? "popularity baseline (small tenant); " : "",
                HoldoutSplit.newest(data, exportRows));

        String feedback = "feedback=" + (implicit ? "implicit" : "explicit");
        String popularityParameters = "{" + feedback + ", min-training-rows=" + template.minTrainingRows() + "}";
        Figures figures = new Figures(challengerRmse, challengerRanking, championRmse, championRanking, popularityRanking,
                baselineRmse, gate.metric());
        ModelVersion stored = small
                ? register(data, split, runDate, startedAt, "", exportModel, exportRanking, PopularityBaseline.ALGORITHM,
                popularityParameters, PopularityBaseline.LIBRARY_VERSION, figures, champion, decision, served, exportRows)
                : register(data, split, runDate, startedAt, "", exportModel, exportRanking, trainer.algorithm(),
                "{" + feedback + ", " + settings.hyperParameters().toString().substring(1, settings.hyperParameters()
                        .toString().length() - 1) + ", served=" + choice.ranking() + ", " + rankings.describe() + "}",
                trainer.libraryVersion() + ", " + ImplicitAlsTrainer.LIBRARY_VERSION, figures, champion, decision, served,
                exportRows);
        ModelVersion rejected = null;
        if (champion.isEmpty() && !stored.promoted()) {
            // a first trained model that does not beat the baseline would leave the tenant with nothing to serve: the
            // popularity baseline becomes the champion until a trained model beats it (the rejected one stays on record);
            // it serves what was learned from all the rows
            rejected = stored;
            int[] allRows = split.allRows();
            FactorizationMachine fallback = PopularityBaseline.fit(data, allRows).model(data);
            Figures fallbackFigures = new Figures(Evaluation.rmseByCustomer(popularity.model(data), data, encoder, holdoutRows),
                    popularityRanking, null, null, popularityRanking, baselineRmse, gate.metric());
            ServedRanking fallbackServed = new ServedRanking(PopularityBaseline.ALGORITHM, "the first trained model was "
                    + "rejected, so the popularity lists serve; " + choice.reason(), ServedRanking.POPULARITY,
                    popularityRanking.ndcg().value(), popularityRanking.ndcg().value(), popularityRanking.lists().coverage(),
                    popularityRanking.lists().coverage(), popularityRanking.lists().distinctProducts(),
                    popularityRanking.lists().topProductShare(), HoldoutSplit.newest(data, allRows));
            stored = register(data, split, runDate, startedAt, "-popularity", fallback, fallback,
                    PopularityBaseline.ALGORITHM, popularityParameters, PopularityBaseline.LIBRARY_VERSION, fallbackFigures,
                    champion, new ChampionChallengerPolicy.Decision(true, String.format(Locale.ROOT,
                            "first model: the trained %s (version %d) was rejected, so the popularity baseline serves until "
                                    + "a trained model beats it; version %d: %s", trainer.algorithm(), rejected.version(),
                            rejected.version(), rejected.reason())), fallbackServed, allRows);
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

    /**
     * How many held-out interactions newer than the champion's training cutoff the gate needs: a tenth of the usual
     * holdout, and at least {@value #MIN_FRESH_HOLDOUT_ROWS}.
     */
    static int minFreshHoldoutRows(HoldoutSplit split) {
        return Math.max(MIN_FRESH_HOLDOUT_ROWS, split.holdoutRows().length / 10);
    }

    static final int MIN_FRESH_HOLDOUT_ROWS = 20;

    private static ServedRanking served(RankingChoice.Outcome choice, RankingEvaluation.Figures popularity, String prefix,
                                        long trainedThrough) {
        RankingEvaluation.Figures f = choice.figures();
        return new ServedRanking(choice.ranking(), prefix + choice.reason(), choice.guard(), f.ndcg().value(),
                popularity.ndcg().value(), f.lists().coverage(), popularity.lists().coverage(),
                f.lists().distinctProducts(), f.lists().topProductShare(), trainedThrough);
    }

    /** The holdout figures a version is registered with. */
    private record Figures(CustomerFigures rmse, RankingEvaluation.Figures ranking, CustomerFigures championRmse,
                           RankingEvaluation.Figures championRanking, RankingEvaluation.Figures popularityRanking,
                           double baselineRmse, String gateMetric) {
    }

    /** Writes a model's files (parameters and ONNX ranking graph) and registers its version with its lineage and figures. */
    private ModelVersion register(TenantDataset data, HoldoutSplit split, LocalDate runDate, Instant startedAt, String dirSuffix,
                                  FactorizationMachine model, FactorizationMachine rankingModel, String algorithm,
                                  String hyperParameters, String library, Figures figures, Optional<ModelVersion> champion,
                                  ChampionChallengerPolicy.Decision decision, ServedRanking served, int[] fittedRows) {
        TenantId tenant = data.tenant();
        Path artifactDir = modelsDir.resolve(tenant.value())
                .resolve(runDate + "-" + Long.toHexString(clock.millis()) + dirSuffix);
        RankingFactors ranking = fold(rankingModel, data, new FeatureEncoder(template.features()));
        ModelArtifacts.write(artifactDir, model, rankingModel, ranking,
                OnnxRankingModelExporter.export(ranking, tenant.value() + "-" + runDate));
        ModelVersion candidate = new ModelVersion(tenant, 0, runDate, template.name(), template.version(),
                algorithm, hyperParameters, fingerprint(data, fittedRows), split.trainRows().length,
                split.holdoutRows().length, figures.rmse().value(),
                figures.championRmse() == null ? null : figures.championRmse().value(), figures.baselineRmse(),
                champion.map(ModelVersion::version).orElse(null),
                decision.promote() ? ModelVersion.Decision.PROMOTED : ModelVersion.Decision.REJECTED, decision.reason(),
                library + ", onnx-opset=13, java=" + Runtime.version(),
                artifactDir.toAbsolutePath().toString(), startedAt, clock.instant(), figures.gateMetric(),
                figures.ranking().metrics(), figures.championRanking() == null ? null : figures.championRanking().metrics(),
                figures.popularityRanking().metrics());
        return models.register(candidate, "nightly", served);
    }

    /** What a registered version publishes (its served ranking and the ranking guard's verdict), when recorded. */
    public Optional<ServedRanking> servedRanking(ModelVersion version) {
        return models.servedRanking(version.tenant(), version.version());
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
