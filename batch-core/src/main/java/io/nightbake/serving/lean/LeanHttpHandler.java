package io.nightbake.serving.lean;

import io.nightbake.access.ApiKeyFilter;
import io.nightbake.access.ApiPrincipal;
import io.nightbake.api.RecommendationController;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantState;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One client connection of the lean listener ({@link LeanLookupServer}): answers lookups itself, straight from the
 * serving index, and forwards every other request to Spring's Tomcat over a back-end connection that belongs to this
 * connection (opened on first use, kept alive, on the same event loop), streaming bodies both ways as they come
 * (nothing is aggregated, so chunked and event-stream answers pass as they are written).
 *
 * <p>HTTP/1.1 order: while a forwarded request's answer has not ended, the connection stops reading (auto-read off);
 * requests already decoded meanwhile (pipelining) wait in order and are handled when it has. Before Spring is up, a
 * request to forward is answered 503 {@code {"error":"starting"}}.
 */
final class LeanHttpHandler extends ChannelInboundHandlerAdapter {

    static final String STARTING = "the server is starting: lookups are answered already, this endpoint in a moment";

    private final LeanLookupServer server;
    private final LookupRequest lookup = new LookupRequest();
    private final LookupJson.Scratch scratch = new LookupJson.Scratch();

    private ChannelHandlerContext ctx;
    /** The status of the last answer sent from here (the lookup timers' tag). */
    private int answered;
    /** The rest of a request answered here (its body, if any) is dropped. */
    private boolean discarding;
    /** A forwarded request whose exchange has not ended. */
    private boolean inFlight;
    private boolean requestDone;
    private boolean responseEnded;
    private boolean keepAlive;
    private boolean backendKeepAlive;
    private boolean informational;
    private Channel backend;
    private boolean connecting;
    private final List<Object> toBackend = new ArrayList<>();
    private final ArrayDeque<Object> pending = new ArrayDeque<>();

    LeanHttpHandler(LeanLookupServer server) {
        this.server = server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (inFlight && requestDone || !pending.isEmpty()) {
            pending.add(msg); // the next request waits until the forwarded one's answer has ended
            updateAutoRead();
            return;
        }
        handle(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    private void handle(Object msg) {
        if (msg instanceof HttpRequest request) {
            request(request);
            if (msg instanceof LastHttpContent last) {
                content(last);
            }
        } else if (msg instanceof HttpContent content) {
            content(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void request(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            discarding = true;
            respond(HttpResponseStatus.BAD_REQUEST, "invalid_request", "the request could not be read", false, null);
            return;
        }
        if (request.method().equals(HttpMethod.GET)) {
            LookupRequest.Kind kind = lookup.read(request.uri());
            if (kind != LookupRequest.Kind.OTHER) {
                discarding = true;
                long started = System.nanoTime();
                boolean alive = HttpUtil.isKeepAlive(request);
                if (kind == LookupRequest.Kind.REFUSED) {
                    respond(HttpResponseStatus.BAD_REQUEST, "invalid_request", io.nightbake.api.JsonErrorReportValve.REFUSED_REQUEST,
                            alive, LeanLookupServer.JSON_UTF8);
                } else {
                    answer(request, alive);
                }
                server.recordLookup(answered, System.nanoTime() - started);
                return;
            }
        }
        forward(request);
    }

    private void content(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (discarding) {
            content.release();
            if (last) {
                discarding = false;
            }
            return;
        }
        if (inFlight && !requestDone) {
            toBackend(content);
            if (last) {
                requestDone = true;
                maybeComplete();
            }
            updateAutoRead();
            return;
        }
        content.release();
    }

    // ---------------------------------------------------------------- lookups

    /** The controller's answers, in the controller's order; access as the API key filter rules it. */
    private void answer(HttpRequest request, boolean alive) {
        String tenant = lookup.tenant;
        String customer = lookup.customer;
        if (server.security()) {
            String presented = ApiKeyFilter.credential(request.headers().get("Authorization"), request.headers().get("X-Api-Key"));
            if (presented == null) {
                unauthorized(ApiKeyFilter.UNAUTHORIZED_MISSING, alive);
                return;
            }
            if (!server.keys().loaded()) {
                respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "index_loading", RecommendationController.LOADING, alive, null);
                return;
            }
            Optional<ApiPrincipal> principal = server.keys().authenticate(presented);
            if (principal.isEmpty()) {
                unauthorized(ApiKeyFilter.UNAUTHORIZED_INVALID, alive);
                return;
            }
            if (!principal.get().operator()) {
                String refusal = ApiKeyFilter.tenantKeyRefusal(List.of("api", "v1", "tenants", tenant, "customers", customer,
                        "recommendations"), principal.get().tenant());
                if (refusal != null) {
                    FullHttpResponse response = error(HttpResponseStatus.FORBIDDEN, "forbidden", refusal, LeanLookupServer.JSON_UTF8);
                    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                    send(response, alive);
                    return;
                }
            }
        }
        if (!TenantId.isValid(tenant)) {
            respond(HttpResponseStatus.BAD_REQUEST, "invalid_request", RecommendationController.INVALID_TENANT, alive, null);
            return;
        }
        TenantState state = server.serving().state(tenant);
        if (state == null) {
            if (loading()) {
                respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "index_loading", RecommendationController.LOADING, alive, null);
            } else {
                respond(HttpResponseStatus.NOT_FOUND, "unknown_tenant", "unknown tenant '" + tenant + "'", alive, null);
            }
            return;
        }
        if (!RecommendationController.isValidCustomerId(customer)) {
            respond(HttpResponseStatus.BAD_REQUEST, "invalid_request", RecommendationController.INVALID_CUSTOMER, alive, null);
            return;
        }
        int limit = RecommendationController.parseLimit(lookup.limit, server.defaultLimit());
        if (limit < 0) {
            respond(HttpResponseStatus.BAD_REQUEST, "invalid_request", RecommendationController.INVALID_LIMIT, alive, null);
            return;
        }
        if (state == TenantState.OFF) {
            ByteBuf body = ctx.alloc().buffer(192);
            LookupJson.withoutList(body, tenant, customer, "TENANT_OFF");
            send(ok(body), alive);
            return;
        }
        TenantSnapshotIndex index = server.serving().served(tenant); // one snapshot for the whole answer
        if (index == null) {
            if (loading()) {
                respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "index_loading", RecommendationController.LOADING, alive, null);
            } else {
                respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "not_published",
                        "tenant '" + tenant + "' has no published recommendations yet", alive, null);
            }
            return;
        }
        int c = index.customerOrdinal(customer);
        if (c < 0) {
            respond(HttpResponseStatus.NOT_FOUND, "unknown_customer", "customer '" + customer + "' is not in snapshot "
                    + index.snapshotId() + " of tenant '" + tenant + "'", alive, null);
            return;
        }
        ByteBuf body = ctx.alloc().buffer(256 + 96 * Math.min(limit, 64));
        LookupJson.list(body, tenant, customer, index, c, limit, scratch);
        send(ok(body), alive);
    }

    private boolean loading() {
        return server.serving().expected() && !server.serving().loaded();
    }

    private FullHttpResponse ok(ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, LeanLookupServer.JSON);
        return response;
    }

    private void unauthorized(String message, boolean alive) {
        FullHttpResponse response = error(HttpResponseStatus.UNAUTHORIZED, "unauthorized", message, LeanLookupServer.JSON_UTF8);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"nightbake\"");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        send(response, alive);
    }

    private FullHttpResponse error(HttpResponseStatus status, String error, String message, CharSequence contentType) {
        ByteBuf body = ctx.alloc().buffer(64 + 2 * message.length());
        LookupJson.error(body, error, message);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType == null ? LeanLookupServer.JSON : contentType);
        return response;
    }

    private void respond(HttpResponseStatus status, String error, String message, boolean alive, CharSequence contentType) {
        send(error(status, error, message, contentType), alive);
    }

    /** Writes an answer (flushed at the end of the read batch); closes the connection after it unless kept alive. */
    private void send(FullHttpResponse response, boolean alive) {
        answered = response.status().code();
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        if (alive) {
            ctx.write(response, ctx.voidPromise());
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    // ---------------------------------------------------------------- forwarding

    private void forward(HttpRequest request) {
        InetSocketAddress target = server.backend();
        if (target == null) {
            discarding = !(request instanceof LastHttpContent);
            FullHttpResponse response = error(HttpResponseStatus.SERVICE_UNAVAILABLE, "starting", STARTING, null);
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            send(response, HttpUtil.isKeepAlive(request));
            return;
        }
        inFlight = true;
        requestDone = false;
        responseEnded = false;
        informational = false;
        keepAlive = HttpUtil.isKeepAlive(request);
        HttpHeaders headers = request.headers();
        // what the client claims about proxies in front of it is not trusted (Tomcat trusts the headers from us)
        headers.remove("X-Forwarded-For").remove("X-Forwarded-Proto").remove("X-Forwarded-Port")
                .remove("X-Forwarded-Host").remove("X-Forwarded-Prefix");
        InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        if (client != null) {
            headers.set("X-Forwarded-For", client.getAddress().getHostAddress());
        }
        headers.set("X-Forwarded-Proto", "http");
        headers.set("X-Forwarded-Port", local == null ? server.port() : local.getPort());
        if (!headers.contains(HttpHeaderNames.HOST) && local != null) {
            headers.set(HttpHeaderNames.HOST, "localhost:" + local.getPort());
        }
        toBackend(request);
        updateAutoRead();
    }

    private void toBackend(Object msg) {
        if (backend != null && backend.isActive()) {
            backend.writeAndFlush(msg, backend.voidPromise());
            return;
        }
        toBackend.add(msg);
        if (!connecting) {
            connect();
        }
    }

    private void connect() {
        connecting = true;
        Channel front = ctx.channel();
        Bootstrap bootstrap = new Bootstrap().group(front.eventLoop()).channel(server.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.AUTO_READ, true)
                .handler(new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(8192, 65536, 65536), new Backend());
                    }
                });
        bootstrap.connect(server.backend()).addListener((ChannelFutureListener) future -> {
            connecting = false;
            if (!future.isSuccess()) {
                toBackend.forEach(ReferenceCountUtil::release);
                toBackend.clear();
                if (inFlight) {
                    inFlight = false;
                    discarding = !requestDone;
                    FullHttpResponse response = error(HttpResponseStatus.BAD_GATEWAY, "server_error",
                            "the application server cannot be reached", null);
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                }
                return;
            }
            backend = future.channel();
            if (!front.isActive()) {
                backend.close();
            }
            for (Object msg : toBackend) {
                backend.write(msg, backend.voidPromise());
            }
            toBackend.clear();
            backend.flush();
            updateAutoRead();
        });
    }

    /** The exchange ends when both the request and its answer have: then the next request may be read. */
    private void maybeComplete() {
        if (!inFlight || !requestDone || !responseEnded) {
            return;
        }
        inFlight = false;
        if (!keepAlive || !backendKeepAlive) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            pending.forEach(ReferenceCountUtil::release);
            pending.clear();
            return;
        }
        // the waiting messages in order, until one is a forwarded request whose answer must be waited for again (its
        // body, if any, follows it to the back end)
        while (!pending.isEmpty() && !(inFlight && requestDone)) {
            handle(pending.poll());
        }
        ctx.flush();
        updateAutoRead();
    }

    /** Reads from the client unless a forwarded exchange is waiting for its answer or a side cannot take more. */
    private void updateAutoRead() {
        boolean waiting = inFlight && requestDone || !pending.isEmpty();
        boolean backedUp = inFlight && !requestDone && (backend == null || !backend.isWritable());
        boolean read = !waiting && !backedUp && ctx.channel().isWritable();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (backend != null) {
            backend.config().setAutoRead(ctx.channel().isWritable()); // the answer streams as fast as the client reads
        }
        updateAutoRead();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (backend != null) {
            backend.close();
        }
        toBackend.forEach(ReferenceCountUtil::release);
        toBackend.clear();
        pending.forEach(ReferenceCountUtil::release);
        pending.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** The back-end connection's answers, written to the client as they come. */
    private final class Backend extends ChannelInboundHandlerAdapter {

        /** Answered before its request's body ended: closed, since Tomcat would read what follows as that body. */
        private boolean retired;

        @Override
        public void channelRead(ChannelHandlerContext backendCtx, Object msg) {
            if (!(msg instanceof HttpObject) || !inFlight) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpResponse response) {
                HttpStatusClass kind = response.status().codeClass();
                informational = kind == HttpStatusClass.INFORMATIONAL && response.status().code() != 101;
                if (!informational) {
                    backendKeepAlive = HttpUtil.isKeepAlive(response);
                }
            }
            boolean last = msg instanceof LastHttpContent;
            ctx.write(msg, ctx.voidPromise());
            if (last) {
                if (informational) {
                    informational = false; // "100 Continue" and the like: the real answer follows
                    ctx.flush();
                    return;
                }
                ctx.flush();
                responseEnded = true;
                if (!requestDone) {
                    // the server answered before the body ended (e.g. refused it): drop the rest of it, and this
                    // back-end connection with it
                    discarding = true;
                    requestDone = true;
                    retired = true;
                    if (backend == backendCtx.channel()) {
                        backend = null;
                    }
                    backendCtx.close();
                }
                maybeComplete();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext backendCtx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext backendCtx) {
            updateAutoRead();
        }

        @Override
        public void channelInactive(ChannelHandlerContext backendCtx) {
            if (backend == backendCtx.channel()) {
                backend = null;
            }
            if (inFlight && !retired) {
                ctx.close(); // the answer was cut off: the client must see the connection end
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext backendCtx, Throwable cause) {
            backendCtx.close();
        }
    }
}
