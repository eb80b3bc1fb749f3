package io.nightbake.retrain.pipeline;

import io.nightbake.config.EvaluationSettings;
import io.nightbake.model.RankingMetrics;
import io.nightbake.retrain.data.FeedbackKind;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.RankingFactors;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Top-K ranking metrics on a holdout, computed the way recommendations are served: each customer's candidates are
 * all the tenant's products except those the customer took in training (the "exclude purchased" rule), ranked by
 * score (ties: lower product index first), and the top {@code k} are compared with the customer's relevant held-out
 * products.
 *
 * <p><b>Relevant</b>: a held-out product the customer did not take in training and that is, for explicit ratings
 * (every training row has event type {@value FeedbackKind#RATING_EVENT}), rated at least
 * {@link EvaluationSettings#relevantRating()}; for implicit feedback, any held-out interaction. Customers without a
 * relevant product are not evaluated (they have nothing to find); when more than
 * {@link EvaluationSettings#maxCustomers()} are left, a seeded random sample of that many is.
 *
 * <p>Per customer: precision@K = hits / K, recall@K = hits / relevant, NDCG@K = DCG / ideal DCG with binary gains
 * and {@code 1 / log2(position + 1)} discounts. Figures are means over the evaluated customers.
 */
public final class RankingEvaluation {

    /** Fills {@code out[p]} with the score of product {@code p} for a customer (dataset indices). */
    @FunctionalInterface
    public interface Scorer {
        void score(int customer, float[] out);
    }

    private final int k;
    private final int productCount;
    private final int[] customers;
    /** per evaluated customer: sorted relevant products */
    private final int[][] relevant;
    /** per evaluated customer: sorted products taken in training (excluded from the ranking) */
    private final int[][] seen;
    private final FeedbackKind feedback;

    private RankingEvaluation(int k, int productCount, int[] customers, int[][] relevant, int[][] seen, FeedbackKind feedback) {
        this.k = k;
        this.productCount = productCount;
        this.customers = customers;
        this.relevant = relevant;
        this.seen = seen;
        this.feedback = feedback;
    }

    /** Works out who is evaluated and what is relevant to them; reuse it for every model scored on this split. */
    public static RankingEvaluation prepare(TenantDataset data, HoldoutSplit split, EvaluationSettings settings) {
        return prepare(data, split, settings, 0L);
    }

    /**
     * As {@link #prepare(TenantDataset, HoldoutSplit, EvaluationSettings)}; when more customers than
     * {@link EvaluationSettings#maxCustomers()} have something relevant, a sample of that many is drawn with {@code seed}.
     */
    public static RankingEvaluation prepare(TenantDataset data, HoldoutSplit split, EvaluationSettings settings, long seed) {
        FeedbackKind feedback = FeedbackKind.of(data, split.trainRows());
        int[][] trained = productsByCustomer(data, split.trainRows(), row -> true);
        double threshold = settings.relevantRating();
        int[][] heldOut = productsByCustomer(data, split.holdoutRows(),
                row -> feedback == FeedbackKind.IMPLICIT || data.value(row) >= threshold);
        int n = 0;
        int[][] relevantAll = new int[data.customerCount()][];
        for (int c = 0; c < relevantAll.length; c++) {
            relevantAll[c] = minus(heldOut[c], trained[c]);
            if (relevantAll[c].length > 0) {
                n++;
            }
        }
        int[] candidates = new int[n];
        int j = 0;
        for (int c = 0; c < relevantAll.length; c++) {
            if (relevantAll[c].length > 0) {
                candidates[j++] = c;
            }
        }
        if (n > settings.maxCustomers()) {
            // partial Fisher-Yates: a uniform sample, the same for the same seed
            SplittableRandom rng = new SplittableRandom(seed);
            for (int i = 0; i < settings.maxCustomers(); i++) {
                int pick = i + rng.nextInt(n - i);
                int t = candidates[i];
                candidates[i] = candidates[pick];
                candidates[pick] = t;
            }
            n = settings.maxCustomers();
            candidates = Arrays.copyOf(candidates, n);
            Arrays.sort(candidates);
        }
        int[] customers = candidates;
        int[][] relevant = new int[n][];
        int[][] seen = new int[n][];
        for (int i = 0; i < n; i++) {
            relevant[i] = relevantAll[customers[i]];
            seen[i] = trained[customers[i]];
        }
        return new RankingEvaluation(settings.k(), data.productCount(), customers, relevant, seen, feedback);
    }

    public int k() {
        return k;
    }

    public FeedbackKind feedback() {
        return feedback;
    }

    /** How many customers are evaluated. */
    public int customerCount() {
        return customers.length;
    }

    /** Precision, recall and NDCG per evaluated customer. */
    public Figures evaluate(Scorer scorer) {
        int n = customers.length;
        double[] precision = new double[n];
        double[] recall = new double[n];
        double[] ndcg = new double[n];
        float[] scores = new float[productCount];
        int[] top = new int[k];
        float[] topScores = new float[k];
        int[] listCounts = new int[productCount];
        for (int i = 0; i < n; i++) {
            scorer.score(customers[i], scores);
            for (int p : seen[i]) {
                scores[p] = Float.NEGATIVE_INFINITY;
            }
            int size = topK(scores, top, topScores);
            for (int position = 0; position < size; position++) {
                listCounts[top[position]]++;
            }
            int hits = 0;
            double dcg = 0;
            for (int position = 0; position < size; position++) {
                if (Arrays.binarySearch(relevant[i], top[position]) >= 0) {
                    hits++;
                    dcg += 1 / log2(position + 2);
                }
            }
            double ideal = 0;
            for (int position = 0; position < Math.min(k, relevant[i].length); position++) {
                ideal += 1 / log2(position + 2);
            }
            precision[i] = hits / (double) k;
            recall[i] = hits / (double) relevant[i].length;
            ndcg[i] = dcg / ideal;
        }
        double[] ones = new double[n];
        Arrays.fill(ones, 1);
        return new Figures(k, new CustomerFigures(CustomerFigures.PRECISION, customers, precision, ones),
                new CustomerFigures(CustomerFigures.RECALL, customers, recall, ones),
                new CustomerFigures(CustomerFigures.NDCG, customers, ndcg, ones), new Lists(n, listCounts));
    }

    /** A folded model's scores. */
    public static Scorer scorer(RankingFactors factors) {
        int rank = factors.rank();
        float[] cf = factors.customerFactors();
        float[] pf = factors.productFactors();
        float[] pb = factors.productBias();
        float[] cb = factors.customerBias();
        int products = factors.productCount();
        return (customer, out) -> {
            int c = customer * rank;
            for (int p = 0; p < products; p++) {
                int o = p * rank;
                double sum = 0;
                for (int f = 0; f < rank; f++) {
                    sum += cf[c + f] * pf[o + f];
                }
                out[p] = (float) (cb[customer] + pb[p] + sum);
            }
        };
    }

    /** The same scores for every customer (a popularity ranking). */
    public static Scorer scorer(float[] productScores) {
        return (customer, out) -> System.arraycopy(productScores, 0, out, 0, out.length);
    }

    /**
     * What the evaluated customers' top-K lists hold: {@code counts[p]} is how many lists product {@code p} is in.
     * Coverage is the share of the tenant's catalogue in some list; the top product's share is the share of lists
     * holding the most frequent product (1 when every list has it: near-identical lists).
     */
    public record Lists(int lists, int[] counts) {

        public int distinctProducts() {
            int n = 0;
            for (int c : counts) {
                if (c > 0) {
                    n++;
                }
            }
            return n;
        }

        public double coverage() {
            return counts.length == 0 ? 0 : distinctProducts() / (double) counts.length;
        }

        /** The most frequent product (the lowest index on a tie); -1 when there are no lists. */
        public int topProduct() {
            int best = -1;
            for (int p = 0; p < counts.length; p++) {
                if (counts[p] > 0 && (best < 0 || counts[p] > counts[best])) {
                    best = p;
                }
            }
            return best;
        }

        /** Share of the lists holding product {@code p}. */
        public double share(int p) {
            return lists == 0 || p < 0 ? 0 : counts[p] / (double) lists;
        }

        public double topProductShare() {
            return share(topProduct());
        }
    }

    /** Precision, recall and NDCG at {@code k} of one model, per customer, and what its lists hold. */
    public record Figures(int k, CustomerFigures precision, CustomerFigures recall, CustomerFigures ndcg, Lists lists) {

        /** The figure the gate uses for {@code metric} (precision or ndcg). */
        public CustomerFigures of(String metric) {
            return switch (metric) {
                case CustomerFigures.PRECISION -> precision;
                case CustomerFigures.RECALL -> recall;
                case CustomerFigures.NDCG -> ndcg;
                default -> throw new IllegalArgumentException("not a ranking metric: " + metric);
            };
        }

        /** The means, for the registry; null when no customer was evaluated. */
        public RankingMetrics metrics() {
            if (precision.size() == 0) {
                return null;
            }
            return new RankingMetrics(k, precision.size(), precision.value(), recall.value(), ndcg.value());
        }
    }

    /** Writes the best {@code top.length} finite-scored products into {@code top}, best first; returns how many. */
    private static int topK(float[] scores, int[] top, float[] topScores) {
        int k = top.length;
        int size = 0;
        for (int p = 0; p < scores.length; p++) {
            float s = scores[p];
            if (!(s > Float.NEGATIVE_INFINITY)) { // -Infinity (excluded) and NaN
                continue;
            }
            if (size == k && s <= topScores[k - 1]) {
                continue; // not better than the worst kept; on a tie the lower index (kept earlier) wins
            }
            int position = size == k ? k - 1 : size++;
            while (position > 0 && topScores[position - 1] < s) {
                topScores[position] = topScores[position - 1];
                top[position] = top[position - 1];
                position--;
            }
            topScores[position] = s;
            top[position] = p;
        }
        return size;
    }

    private interface RowFilter {
        boolean keep(int row);
    }

    /** Distinct products per customer among {@code rows}, sorted. */
    private static int[][] productsByCustomer(TenantDataset data, int[] rows, RowFilter filter) {
        int[] counts = new int[data.customerCount()];
        for (int row : rows) {
            if (filter.keep(row)) {
                counts[data.customer(row)]++;
            }
        }
        int[][] lists = new int[counts.length][];
        for (int c = 0; c < counts.length; c++) {
            lists[c] = new int[counts[c]];
        }
        int[] fill = new int[counts.length];
        for (int row : rows) {
            if (filter.keep(row)) {
                int c = data.customer(row);
                lists[c][fill[c]++] = data.product(row);
            }
        }
        for (int c = 0; c < lists.length; c++) {
            int[] list = lists[c];
            Arrays.sort(list);
            int distinct = 0;
            for (int i = 0; i < list.length; i++) {
                if (i == 0 || list[i] != list[i - 1]) {
                    list[distinct++] = list[i];
                }
            }
            lists[c] = distinct == list.length ? list : Arrays.copyOf(list, distinct);
        }
        return lists;
    }

    /** Sorted {@code a} without the elements of sorted {@code b}. */
    private static int[] minus(int[] a, int[] b) {
        int[] out = new int[a.length];
        int n = 0;
        int j = 0;
        for (int x : a) {
            while (j < b.length && b[j] < x) {
                j++;
            }
            if (j >= b.length || b[j] != x) {
                out[n++] = x;
            }
        }
        return n == a.length ? out : Arrays.copyOf(out, n);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
