package io.nightbake.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds serving-file content for tests: customers in order, each with its arm and ranked products. */
final class TestContent {

    private final String tenant;
    private final String snapshot;
    private final List<String> customers = new ArrayList<>();
    private final List<Integer> arms = new ArrayList<>();
    private final List<List<String>> lists = new ArrayList<>();
    private final Map<String, Integer> armCodes = new LinkedHashMap<>();
    private final Map<String, Integer> armVersions = new LinkedHashMap<>();
    private final Map<String, Integer> productCodes = new LinkedHashMap<>();

    TestContent(String tenant, String snapshot) {
        this.tenant = tenant;
        this.snapshot = snapshot;
    }

    /** A customer and its products, best first, in arm {@code arm} of model version {@code version}. */
    TestContent customer(String id, String arm, int version, String... products) {
        armVersions.putIfAbsent(arm, version);
        arms.add(armCodes.computeIfAbsent(arm, a -> armCodes.size()));
        customers.add(id);
        lists.add(List.of(products));
        for (String p : products) {
            productCodes.computeIfAbsent(p, x -> productCodes.size());
        }
        return this;
    }

    TestContent customer(String id, String... products) {
        return customer(id, "champion", 3, products);
    }

    ServingFile.Content content() {
        int n = customers.size();
        int[] idStart = new int[n + 1];
        int[] listStart = new int[n + 1];
        byte[] arm = new byte[n];
        StringBuilder ids = new StringBuilder();
        List<Integer> codes = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            idStart[c] = ids.toString().getBytes(StandardCharsets.UTF_8).length;
            ids.append(customers.get(c));
            listStart[c] = codes.size();
            arm[c] = (byte) (int) arms.get(c);
            List<String> list = lists.get(c);
            for (int r = 0; r < list.size(); r++) {
                codes.add(productCodes.get(list.get(r)));
                scores.add(1.0f - r * 0.125f);
            }
        }
        byte[] idBytes = ids.toString().getBytes(StandardCharsets.UTF_8);
        idStart[n] = idBytes.length;
        listStart[n] = codes.size();
        int[] productCode = codes.stream().mapToInt(Integer::intValue).toArray();
        float[] score = new float[scores.size()];
        for (int i = 0; i < score.length; i++) {
            score[i] = scores.get(i);
        }
        String[] armNames = armCodes.isEmpty() ? new String[] {"champion"} : armCodes.keySet().toArray(String[]::new);
        int[] versions = armCodes.isEmpty() ? new int[] {3}
                : armVersions.values().stream().mapToInt(Integer::intValue).toArray();
        return new ServingFile.Content(tenant, snapshot, Instant.parse("2026-10-31T02:00:00.123456789Z"),
                LocalDate.of(2026, 10, 31), versions[0], armNames, versions, n, idBytes, idStart, listStart, arm,
                codes.size(), productCode, score, productCodes.keySet().toArray(String[]::new));
    }
}
