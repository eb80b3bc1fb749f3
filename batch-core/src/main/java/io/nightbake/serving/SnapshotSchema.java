package io.nightbake.serving;

import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The published snapshot of one tenant: a Parquet file {@value #FILE_NAME}, one row per (customer, rank),
 * sorted by customer then rank. A customer with nothing good enough to recommend has exactly one marker row of
 * rank {@value #MARKER_RANK} with a null product and score.
 */
public final class SnapshotSchema {

    public static final String FILE_NAME = "recommendations.parquet";

    public static final String TENANT_ID = "tenant_id";
    public static final String CUSTOMER_ID = "customer_id";
    public static final String RANK = "rank";
    public static final String PRODUCT_ID = "product_id";
    public static final String SCORE = "score";
    public static final String MODEL_VERSION = "model_version";
    public static final String RUN_DATE = "run_date";

    /** The rank of the one row of a customer whose list is empty. */
    public static final int MARKER_RANK = 0;

    /** The schema writers produce (readers also accept optional columns, FLOAT scores and INT64 versions). */
    public static final MessageType SCHEMA = Types.buildMessage()
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(TENANT_ID)
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(CUSTOMER_ID)
            .required(PrimitiveTypeName.INT32).named(RANK)
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(PRODUCT_ID)
            .optional(PrimitiveTypeName.DOUBLE).named(SCORE)
            .required(PrimitiveTypeName.INT32).named(MODEL_VERSION)
            .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType()).named(RUN_DATE)
            .named("recommendations");

    private SnapshotSchema() {
    }
}
