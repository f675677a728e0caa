package dev.inferq.gateway.jobs;

import dev.inferq.gateway.metrics.SubmitRoutes;
import dev.inferq.gateway.versions.ModelRef;
import org.springframework.http.server.PathContainer;
import org.springframework.stereotype.Component;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/** The native submit route, {@value JobsController#SUBMIT_PATH}, whose path names the model (and maybe a version). */
@Component
class NativeSubmitRoutes implements SubmitRoutes {

    private static final PathPattern SUBMIT = PathPatternParser.defaultInstance.parse(JobsController.SUBMIT_PATH);

    @Override
    public String model(PathContainer path) {
        PathPattern.PathMatchInfo match = SUBMIT.matchAndExtract(path);
        return match == null ? null : ModelRef.parse(match.getUriVariables().get("model")).name();
    }
}
