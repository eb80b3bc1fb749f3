package io.nightbake.retrain.pipeline;

import io.nightbake.config.TemplatePipeline;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.ModelArtifacts;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.onnx.OnnxRankingModelExporter;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.Trainer;
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
import java.util.Optional;

/**
 * The template pipeline for one tenant: read and validate its data, split off the most recent interactions,
 * train a challenger, score challenger and champion on the same holdout, decide, store the files and register
 * the version (moving the champion pointer in the same transaction when promoted).
 */
public final class TenantRetrainer {

    private final TemplatePipeline template;
    private final Trainer trainer;
    private final ModelRegistry models;
    private final Path modelsDir;
    private final Clock clock;

    public TenantRetrainer(TemplatePipeline template, Trainer trainer, ModelRegistry models, Path modelsDir, Clock clock) {
        this.template = template;
        this.trainer = trainer;
        this.models = models;
        this.modelsDir = modelsDir;
        this.clock = clock;
    }

    /**
     * Retrains from the tenant's folder of Parquet files (the data contract), on the interactions up to the end of
     * {@code runDate} (UTC). When that night's version is already registered (a rerun after a crash), it is reused.
     */
    public RetrainOutcome retrain(TenantId tenant, Path tenantDir, LocalDate runDate) {
        Optional<ModelVersion> done = models.trainedOn(tenant, runDate);
        if (done.isPresent()) {
            return new RetrainOutcome(done.get(), 0, 0, 0, true);
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
            throw new IllegalArgumentException("tenant '" + tenant + "': " + data.interactionCount()
                    + " interactions are too few to train and hold out");
        }
        FeatureEncoder encoder = new FeatureEncoder(template.features());

        long trainStart = System.nanoTime();
        FactorizationMachine challenger = trainer.train(data, encoder, split.trainRows());
        long trainMillis = (System.nanoTime() - trainStart) / 1_000_000;

        double challengerRmse = Evaluation.rmse(challenger, data, encoder, split.holdoutRows());
        double baselineRmse = Evaluation.globalMeanBaselineRmse(data, split.trainRows(), split.holdoutRows());
        Optional<ModelVersion> champion = models.champion(tenant);
        Double championRmse = champion.map(c -> Evaluation.rmse(ModelArtifacts.readModel(Path.of(c.artifactPath())),
                data, encoder, split.holdoutRows())).orElse(null);
        ChampionChallengerPolicy.Decision decision = new ChampionChallengerPolicy(template.gate().promotionMargin())
                .decide(challengerRmse, championRmse, baselineRmse);

        Path artifactDir = modelsDir.resolve(tenant.value()).resolve(runDate + "-" + Long.toHexString(clock.millis()));
        RankingFactors ranking = fold(challenger, data, encoder);
        ModelArtifacts.write(artifactDir, challenger, ranking,
                OnnxRankingModelExporter.export(ranking, tenant.value() + "-" + runDate));

        ModelVersion candidate = new ModelVersion(tenant, 0, runDate, template.name(), template.version(),
                trainer.algorithm(), template.algorithm().hyperParameters().toString(),
                fingerprint(data, split.trainRows()), split.trainRows().length, split.holdoutRows().length,
                challengerRmse, championRmse, baselineRmse, champion.map(ModelVersion::version).orElse(null),
                decision.promote() ? ModelVersion.Decision.PROMOTED : ModelVersion.Decision.REJECTED, decision.reason(),
                trainer.libraryVersion() + ", onnx-opset=13, java=" + Runtime.version(),
                artifactDir.toAbsolutePath().toString(), startedAt, clock.instant());
        ModelVersion stored = models.register(candidate, "nightly");
        return new RetrainOutcome(stored, data.interactionCount(), trainMillis, (System.nanoTime() - startNanos) / 1_000_000, false);
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
