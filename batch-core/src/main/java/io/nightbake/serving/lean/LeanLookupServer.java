package io.nightbake.serving.lean;

import io.nightbake.access.ActiveApiKeys;
import io.nightbake.api.LookupTimers;
import io.nightbake.serving.ServingService;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lean lookup listener: a Netty HTTP/1.1 server on the public port ({@code server.port}, {@code server.address})
 * that answers {@code GET /api/v1/tenants/{tenant}/customers/{customer}/recommendations} itself, straight from the
 * {@link ServingService}'s index, with the controller's answers and the API key filter's rules, and forwards every
 * other request to Spring's Tomcat on 127.0.0.1 ({@link #backend(InetSocketAddress)}; until then such requests
 * answer 503 {@code starting}). It starts before the Spring context, so lookups are answered while Spring starts.
 *
 * <p>Thread model: {@code nightbake.serving.event-loop-threads} event-loop threads (default: one per core) run every
 * connection, lookups included; a lookup never blocks, so nothing else is needed. epoll when available, NIO otherwise.
 */
public final class LeanLookupServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeanLookupServer.class);

    static final AsciiString JSON = AsciiString.cached("application/json");
    static final AsciiString JSON_UTF8 = AsciiString.cached("application/json;charset=UTF-8");

    /**
     * @param address          the address to listen on; null or blank for every interface
     * @param port             the port; 0 for any free one
     * @param eventLoopThreads event-loop threads; 0 for one per core
     * @param security         whether lookups need an API key ({@code nightbake.security.enabled})
     * @param defaultLimit     the template's K, for a lookup without {@code limit}
     */
    public record Settings(String address, int port, int eventLoopThreads, boolean security, int defaultLimit) {
        public int effectiveThreads() {
            return eventLoopThreads > 0 ? eventLoopThreads : Runtime.getRuntime().availableProcessors();
        }
    }

    private final Settings settings;
    private final ServingService serving;
    private final ActiveApiKeys keys;
    private final EventLoopGroup group;
    private final boolean epoll;
    private final Channel channel;
    private volatile InetSocketAddress backend;
    private volatile LookupTimers lookupLatency;

    private LeanLookupServer(Settings settings, ServingService serving, ActiveApiKeys keys) throws InterruptedException {
        this.settings = settings;
        this.serving = serving;
        this.keys = keys;
        this.epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(settings.effectiveThreads(), new DefaultThreadFactory("lookup"), io);
        Class<? extends ServerChannel> serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(serverChannel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // Tomcat's default limits: 8 KB for the request line and headers together
                        ch.pipeline().addLast(new HttpServerCodec(8192, 8192, 65536), new LeanHttpHandler(LeanLookupServer.this));
                    }
                });
        InetSocketAddress bind = settings.address() == null || settings.address().isBlank()
                ? new InetSocketAddress(settings.port()) : new InetSocketAddress(settings.address(), settings.port());
        try {
            this.channel = bootstrap.bind(bind).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Binds the public port and starts answering lookups; throws when the port cannot be bound. */
    public static LeanLookupServer start(Settings settings, ServingService serving, ActiveApiKeys keys) {
        if (settings.security() && keys == null) {
            throw new IllegalArgumentException("security is on: the API keys are needed");
        }
        try {
            LeanLookupServer server = new LeanLookupServer(settings, serving, keys);
            log.info("lookup listener on {} ({}, {} event-loop threads); other requests go to Spring once it is up",
                    server.channel.localAddress(), server.transport(), settings.effectiveThreads());
            return server;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding the lookup port", e);
        }
    }

    /** The port it listens on. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The address it listens on, as configured ({@code server.address}); null for every interface. */
    public String address() {
        return settings.address() == null || settings.address().isBlank() ? null : settings.address();
    }

    /** {@code epoll} or {@code nio}. */
    public String transport() {
        return epoll ? "epoll" : "nio";
    }

    /** Spring's Tomcat answers at {@code address} from now on: forwarded requests go there. */
    public void backend(InetSocketAddress address) {
        this.backend = address;
    }

    InetSocketAddress backend() {
        return backend;
    }

    /** Where each lookup's status and latency go (the {@code nightbake.lookup.latency} timers, once Spring is up). */
    public void lookupLatency(LookupTimers timers) {
        this.lookupLatency = timers;
    }

    void recordLookup(int status, long nanos) {
        LookupTimers timers = lookupLatency;
        if (timers != null) {
            timers.record(status, nanos);
        }
    }

    Class<? extends Channel> clientChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    boolean security() {
        return settings.security();
    }

    ActiveApiKeys keys() {
        return keys;
    }

    ServingService serving() {
        return serving;
    }

    int defaultLimit() {
        return settings.defaultLimit();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
