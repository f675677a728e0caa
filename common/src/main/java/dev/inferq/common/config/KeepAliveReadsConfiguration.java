package dev.inferq.common.config;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Works around a lost read in Reactor Netty's HTTP/1.1 server (reactor/reactor-netty#4361, reported on 1.3.7 and
 * fixed upstream in September 2026; Spring Boot 4.0.7 brings 1.3.6, which has the bug): when a client's next request
 * on a kept-alive connection arrives before the server has finished with the previous exchange, it is buffered; if
 * that buffered request is then answered at once (a redirect, a 401), the connection stops reading and the request
 * after it never gets an answer. Clients saw requests hang until their own timeout, about one in a hundred when each
 * request follows the previous answer at once on one connection (KeepAliveIT).
 *
 * <p>Reactor Netty's switch {@value #PROPERTY}{@code =true} ends the previous exchange before the next request is
 * read, which closes that route. Reactor Netty reads it once, when its HTTP server classes load, so it is set here,
 * before the context creates its web server, unless the operator set it. Remove this once the Reactor Netty of Spring
 * Boot's dependency management carries the fix.
 */
@Configuration(proxyBeanMethods = false)
public class KeepAliveReadsConfiguration {

    static final String PROPERTY = "reactor.netty.http.server.lastFlushWhenNoRead";

    /** A bean factory post-processor runs before any bean, the web server among them, is created. */
    @Bean
    static BeanFactoryPostProcessor keepAliveReads() {
        return beanFactory -> {
            if (System.getProperty(PROPERTY) == null) {
                System.setProperty(PROPERTY, "true");
            }
        };
    }
}
