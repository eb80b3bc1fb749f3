package io.nightbake.batch;

import io.nightbake.model.ModelVersion;
import io.nightbake.model.RankingMetrics;
import io.nightbake.retrain.pipeline.RetrainOutcome;
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

    private static Double gateFigure(String gate, Double rmse, RankingMetrics ranking) {
        return switch (gate) {
            case "ndcg" -> ranking == null ? null : ranking.ndcg();
            case "precision" -> ranking == null ? null : ranking.precision();
            default -> rmse;
        };
    }

    /** The message an operator needs, without a stack trace: the tenant data errors already name tenant, file and column. */
    static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.length() > 2000 ? message.substring(0, 2000) + "..." : message;
    }
}
