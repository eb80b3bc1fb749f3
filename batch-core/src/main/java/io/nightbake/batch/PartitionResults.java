package io.nightbake.batch;

import io.nightbake.model.ModelVersion;
import io.nightbake.model.RankingMetrics;
import io.nightbake.model.ServedRanking;
import io.nightbake.retrain.pipeline.RetrainOutcome;
import java.util.Optional;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** What a tenant's partition records in its execution context, for reports and operators. */
final class PartitionResults {

    static final String VERSION = "version";
    static final String DECISION = "decision";
    static final String REASON = "reason";
    /** Exact duplicate interactions collapsed (same customer, product, time and type; the first kept). */
    static final String DUPLICATES = "duplicates";
    static final String CHALLENGER_RMSE = "challengerRmse";
    static final String CHAMPION_RMSE = "championRmse";
    static final String BASELINE_RMSE = "baselineRmse";
    static final String ROWS = "rows";
    /** The metric the decision was taken on, and champion's and challenger's figures on it (rmse, ndcg or precision). */
    static final String GATE_METRIC = "gateMetric";
    static final String CHAMPION_GATE = "championGate";
    static final String CHALLENGER_GATE = "challengerGate";
    static final String TRAINER = "trainer";
    static final String MILLIS = "millis";
    /** What the version publishes (issue 9): its served ranking, the ranking guard's verdict and why, list figures. */
    static final String RANKING = "ranking";
    static final String RANKING_GUARD = "rankingGuard";
    static final String RANKING_REASON = "rankingReason";
    static final String PUBLISHED_NDCG = "publishedNdcg";
    static final String POPULARITY_NDCG = "popularityNdcg";
    static final String COVERAGE = "coverage";
    static final String POPULARITY_COVERAGE = "popularityCoverage";
    static final String DISTINCT_PRODUCTS = "distinctProducts";
    static final String TOP_PRODUCT_SHARE = "topProductShare";

    private PartitionResults() {
    }

    static void recordRetrain(ExecutionContext context, RetrainOutcome outcome) {
        ModelVersion v = outcome.version();
        context.putInt(VERSION, v.version());
        context.putString(DECISION, v.decision().name());
        context.putString(REASON, v.reason());
        if (outcome.duplicatesCollapsed() > 0) {
            context.putInt(DUPLICATES, outcome.duplicatesCollapsed());
        }
        context.putDouble(CHALLENGER_RMSE, v.challengerRmse());
        if (v.championRmse() != null) {
            context.putDouble(CHAMPION_RMSE, v.championRmse());
        }
        context.putDouble(BASELINE_RMSE, v.baselineRmse());
        context.putString(TRAINER, v.algorithm());
        String gate = v.gateMetric() == null ? "rmse" : v.gateMetric();
        context.putString(GATE_METRIC, gate);
        Double challenger = gateFigure(gate, v.challengerRmse(), v.ranking());
        Double champion = gateFigure(gate, v.championRmse(), v.championRanking());
        if (challenger != null) {
            context.putDouble(CHALLENGER_GATE, challenger);
        }
        if (champion != null) {
            context.putDouble(CHAMPION_GATE, champion);
        }
        context.putLong(ROWS, v.trainRows() + v.holdoutRows());
        if (!outcome.resumed()) {
            context.putLong(MILLIS, outcome.totalMillis());
        }
    }

    /** The served ranking of the version the tenant's partition registered (absent for versions without one). */
    static void recordRanking(ExecutionContext context, Optional<ServedRanking> served) {
        if (served.isEmpty()) {
            return;
        }
        ServedRanking s = served.get();
        context.putString(RANKING, s.ranking());
        context.putString(RANKING_GUARD, s.guard());
        context.putString(RANKING_REASON, s.reason());
        putIfPresent(context, PUBLISHED_NDCG, s.ndcg());
        putIfPresent(context, POPULARITY_NDCG, s.popularityNdcg());
        putIfPresent(context, COVERAGE, s.coverage());
        putIfPresent(context, POPULARITY_COVERAGE, s.popularityCoverage());
        putIfPresent(context, TOP_PRODUCT_SHARE, s.topProductShare());
        if (s.distinctProducts() != null) {
            context.putInt(DISTINCT_PRODUCTS, s.distinctProducts());
        }
    }

    private static void putIfPresent(ExecutionContext context, String key, Double value) {
        if (value != null) {
            context.putDouble(key, value);
        }
    }

    private static Double gateFigure(String gate, Double rmse, RankingMetrics ranking) {
        return switch (gate) {
            case "ndcg" -> ranking == null ? null : ranking.ndcg();
            case "precision" -> ranking == null ? null : ranking.precision();
            default -> rmse;
        };
    }

    /** Ends a partition that a partition handler ran itself (not as a Spring Batch step), with its figures. */
    static void finish(JobRepository jobRepository, StepExecution partition, BatchStatus status, ExitStatus exit) {
        partition.setStatus(status);
        partition.setExitStatus(exit);
        partition.setEndTime(java.time.LocalDateTime.now());
        jobRepository.update(partition);
        jobRepository.updateExecutionContext(partition);
    }

    /** The message an operator needs, without a stack trace: the tenant data errors already name tenant, file and column. */
    static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.length() > 2000 ? message.substring(0, 2000) + "..." : message;
    }
}
