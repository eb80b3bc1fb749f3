package io.nightbake.scoring;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.onnx.OnnxRankingModelExporter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class OrtSessionCacheTest {

    private static byte[] graph(int seed) {
        Random random = new Random(seed);
        int customers = 3;
        int products = 4;
        int rank = 2;
        float[] cf = new float[customers * rank];
        float[] pf = new float[products * rank];
        for (int i = 0; i < cf.length; i++) {
            cf[i] = random.nextFloat();
        }
        for (int i = 0; i < pf.length; i++) {
            pf[i] = random.nextFloat();
        }
        RankingFactors factors = new RankingFactors(List.of("a", "b", "c"), List.of("w", "x", "y", "z"), rank, cf,
                new float[customers], pf, new float[products]);
        return OnnxRankingModelExporter.export(factors, "g" + seed);
    }

    private static void use(OrtSession session) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor index = OnnxTensor.createTensor(env, new long[] {0, 2});
             OnnxTensor mask = OnnxTensor.createTensor(env, new float[2][4]);
             OnnxTensor k = OnnxTensor.createTensor(env, new long[] {2});
             OrtSession.Result result = session.run(Map.of(OnnxRankingModelExporter.CUSTOMER_INDEX, index,
                     OnnxRankingModelExporter.SCORE_MASK, mask, OnnxRankingModelExporter.K, k))) {
            assertThat((long[][]) result.get(OnnxRankingModelExporter.TOP_PRODUCTS).orElseThrow().getValue()).hasDimensions(2, 2);
        }
    }

    @Test
    void keepsAtMostMaxSessionsEvictingTheLeastRecentlyUsed() throws Exception {
        try (OrtSessionCache cache = new OrtSessionCache(2, Long.MAX_VALUE)) {
            byte[] a = graph(1);
            byte[] b = graph(2);
            byte[] c = graph(3);
            cache.acquire("t", 1, a, 1).close();
            cache.acquire("t", 1, b, 1).close();
            cache.acquire("t", 1, a, 1).close(); // a is now more recent than b
            cache.acquire("t", 1, c, 1).close();
            assertThat(cache.size()).isEqualTo(2);
            assertThat(cache.keys()).extracting(OrtSessionCache.Key::graphHash)
                    .containsExactly(OrtSessionCache.hash(a), OrtSessionCache.hash(c));
            assertThat(cache.sessionsCreated()).isEqualTo(3);
        }
    }

    @Test
    void boundsTheTotalGraphBytes() throws Exception {
        byte[] a = graph(1);
        try (OrtSessionCache cache = new OrtSessionCache(100, a.length * 2L + 10)) {
            for (int i = 0; i < 5; i++) {
                cache.acquire("t" + i, 1, graph(10 + i), 1).close();
            }
            assertThat(cache.size()).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void aSessionInUseIsNotClosedWhenEvicted() throws Exception {
        try (OrtSessionCache cache = new OrtSessionCache(1, Long.MAX_VALUE)) {
            try (OrtSessionCache.Lease held = cache.acquire("t", 1, graph(1), 1)) {
                cache.acquire("t", 1, graph(2), 1).close();
                cache.acquire("t", 1, graph(3), 1).close();
                use(held.session()); // still open
            }
            assertThat(cache.size()).isEqualTo(1);
        }
    }

    @Test
    void concurrentUsersOfOneGraphShareOneSession() throws Exception {
        byte[] g = graph(7);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (OrtSessionCache cache = new OrtSessionCache(4, Long.MAX_VALUE)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                futures.add(pool.submit(() -> {
                    try (OrtSessionCache.Lease lease = cache.acquire("t", 1, g, 1)) {
                        use(lease.session());
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
            assertThat(cache.sessionsCreated()).isEqualTo(1);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void versionAndThreadCountArePartOfTheKey() throws Exception {
        byte[] g = graph(1);
        try (OrtSessionCache cache = new OrtSessionCache(8, Long.MAX_VALUE)) {
            cache.acquire("t", 1, g, 1).close();
            cache.acquire("t", 2, g, 1).close();
            cache.acquire("t", 2, g, 2).close();
            cache.acquire("t", 2, g, 2).close();
            assertThat(cache.sessionsCreated()).isEqualTo(3);
        }
    }
}
