package dev.inferq.gateway.jobs;

import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.gateway.problems.ApiException;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One request of {@code GET /v1/jobs}, checked: how many jobs, which models and statuses (none: all), and where to
 * start. Filters may repeat the parameter ({@code status=QUEUED&status=RUNNING}), separate values by commas
 * ({@code status=QUEUED,RUNNING}) or both; a job matches when its model is one of the models and its status one of
 * the statuses. Whatever is malformed is a 400 problem naming the parameter.
 *
 * @param limit most jobs on the page, 1 to {@value #MAX_LIMIT}
 * @param models the models whose jobs are listed; empty: every model
 * @param statuses the statuses whose jobs are listed; empty: every status
 * @param cursor where the previous page ended; null for the newest jobs
 */
public record JobListQuery(int limit, Set<String> models, Set<JobStatus> statuses, JobListCursor cursor) {

    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;

    public JobListQuery {
        models = Set.copyOf(models);
        statuses = Set.copyOf(statuses);
    }

    /**
     * The query the parameters describe, {@code knownModels} being the models the platform serves. Parameters left out
     * are null (or empty lists).
     */
    public static JobListQuery parse(String limit, List<String> models, List<String> statuses, String cursor,
            Collection<String> knownModels) {
        Set<String> modelFilter = values(models);
        modelFilter.stream().filter(model -> !knownModels.contains(model)).findFirst().ifPresent(unknown -> {
            throw ApiException.badRequest("'model' must name models of GET /v1/models (" + String.join(", ",
                    knownModels) + "); '" + unknown + "' is none of them");
        });
        Set<JobStatus> statusFilter = values(statuses).stream().map(JobListQuery::status)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(JobStatus.class)));
        return new JobListQuery(limit(limit), modelFilter, statusFilter,
                cursor == null ? null : JobListCursor.decode(cursor));
    }

    /** True when {@code job} passes the filters. */
    public boolean matches(JobRecord job) {
        return (models.isEmpty() || models.contains(job.model()))
                && (statuses.isEmpty() || statuses.contains(job.status()));
    }

    /** True when some jobs may not match: a page then reads the list in chunks beyond its size. */
    public boolean filtered() {
        return !models.isEmpty() || !statuses.isEmpty();
    }

    private static int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        String digits = limit.strip();
        if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)
                || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > MAX_LIMIT) {
            throw ApiException.badRequest("'limit' must be a whole number from 1 to " + MAX_LIMIT + " (default "
                    + DEFAULT_LIMIT + "), not '" + limit + "'");
        }
        return Integer.parseInt(digits);
    }

    private static JobStatus status(String name) {
        try {
            return JobStatus.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'status' must name statuses of " + Arrays.toString(JobStatus.values())
                    + "; '" + name + "' is none of them");
        }
    }

    /** Every value of a repeated, comma-separated parameter, trimmed, blanks left out, in order. */
    private static Set<String> values(List<String> parameter) {
        if (parameter == null) {
            return new LinkedHashSet<>();
        }
        return parameter.stream().flatMap(value -> Stream.of(value.split(",")))
                .map(String::strip)
                .filter(value -> !value.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }
}
