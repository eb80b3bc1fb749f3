package io.nightbake.retrain.train;

import io.nightbake.config.Feature;
import io.nightbake.retrain.data.TenantDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Names the one-hot features of customers, products and interactions, as the template's feature list says.
 * Prefixes keep the namespaces apart: a customer and a product with the same id are different features.
 */
public final class FeatureEncoder {

    private final boolean useRegion;
    private final boolean useCategory;

    public FeatureEncoder(List<Feature> features) {
        this.useRegion = features.contains(Feature.CUSTOMER_REGION);
        this.useCategory = features.contains(Feature.PRODUCT_CATEGORY);
    }

    /** The name of a customer's own id feature. */
    public static String customerIdFeature(TenantDataset data, int customer) {
        return "customer=" + data.customerId(customer);
    }

    /** The name of a product's own id feature. */
    public static String productIdFeature(TenantDataset data, int product) {
        return "product=" + data.productId(product);
    }

    public List<String> customerFeatures(TenantDataset data, int customer) {
        List<String> names = new ArrayList<>(2);
        names.add(customerIdFeature(data, customer));
        String region = data.customerRegion(customer);
        if (useRegion && region != null) {
            names.add("region=" + region);
        }
        return names;
    }

    public List<String> productFeatures(TenantDataset data, int product) {
        List<String> names = new ArrayList<>(2);
        names.add(productIdFeature(data, product));
        String category = data.productCategory(product);
        if (useCategory && category != null) {
            names.add("category=" + category);
        }
        return names;
    }

    /** Feature indices of every customer of {@code data} in a model's feature space (-1 where unknown to it). */
    public int[][] customerIndices(TenantDataset data, Map<String, Integer> featureIndex) {
        int[][] result = new int[data.customerCount()][];
        for (int c = 0; c < result.length; c++) {
            result[c] = lookup(customerFeatures(data, c), featureIndex);
        }
        return result;
    }

    public int[][] productIndices(TenantDataset data, Map<String, Integer> featureIndex) {
        int[][] result = new int[data.productCount()][];
        for (int p = 0; p < result.length; p++) {
            result[p] = lookup(productFeatures(data, p), featureIndex);
        }
        return result;
    }

    private static int[] lookup(List<String> names, Map<String, Integer> featureIndex) {
        int[] indices = new int[names.size()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = featureIndex.getOrDefault(names.get(i), -1);
        }
        return indices;
    }
}
