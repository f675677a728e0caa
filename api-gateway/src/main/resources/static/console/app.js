// The inferq web console: plain browser JavaScript against the public /v1 API, no libraries and no build step.
// Every value from the server is written with textContent, never as HTML.
'use strict';

const TEXT_TASK = 'text-classification';
const IMAGE_TASK = 'image-classification';
const RECENT_KEY = 'inferq.console.recent-jobs';
const RECENT_MAX = 20;
const LIVE_REFRESH_MS = 2000;
const API_KEY = 'inferq.console.api-key';
const POLL_MS = 1000;
const JOBS_PAGE = 20;

const $ = (id) => document.getElementById(id);

const state = {
    models: [],
    model: null,
    liveTimer: null,
    file: null,
    jobId: null,
    source: null,
    pollTimer: null,
    jobsCursor: null,
};

// ---- HTTP and problem bodies (RFC 9457) ----

/** An answer that was not 2xx, carrying the problem body's fields. */
class Problem extends Error {
    constructor(title, detail, extra = {}) {
        super(detail || title);
        this.title = title;
        this.detail = detail;
        Object.assign(this, extra);
    }
}

async function api(path, options = {}) {
    let response;
    try {
        response = await fetch(path,
            {...options, headers: {Accept: 'application/json', ...keyHeader(), ...options.headers}});
    } catch (e) {
        throw new Problem('The gateway did not answer', `${e.message}. Is it running?`);
    }
    const isJson = (response.headers.get('Content-Type') || '').includes('json');
    const body = isJson ? await response.json() : await response.text();
    if (!response.ok) {
        const problem = isJson ? body : {};
        throw new Problem(problem.title || `${response.status} ${response.statusText}`,
            problem.detail || (isJson ? '' : body.trim()),
            {status: response.status, field: problem.field, retryAfter: response.headers.get('Retry-After')});
    }
    return body;
}

// The key lives in sessionStorage: this tab only, gone when it closes, never in the page's URL.
function apiKey() {
    return sessionStorage.getItem(API_KEY) || '';
}

function keyHeader() {
    return apiKey() ? {Authorization: `Bearer ${apiKey()}`} : {};
}

function showProblem(problem) {
    const details = [problem.detail || problem.message];
    if (problem.field) {
        details.push(`(field: ${problem.field})`);
    }
    if (problem.retryAfter) {
        details.push(`Try again in ${problem.retryAfter} s.`);
    }
    $('problem-title').textContent = problem.status ? `${problem.status} · ${problem.title}` : problem.title;
    $('problem-detail').textContent = details.filter(Boolean).join(' ');
    $('problem').hidden = false;
}

function clearProblem() {
    $('problem').hidden = true;
}

// ---- Models ----

async function loadModels() {
    const {models} = await api('/v1/models');
    state.models = models;
    const select = $('model');
    select.replaceChildren(...models.map((m) => new Option(`${m.name} (${m.task})`, m.name)));
    select.disabled = false;
    selectModel(select.value);
    const filter = $('jobs-model');
    const chosen = filter.value;
    filter.replaceChildren(new Option('All models', ''), ...models.map((m) => new Option(m.name, m.name)));
    filter.value = models.some((m) => m.name === chosen) ? chosen : '';
}

function selectModel(name) {
    state.model = state.models.find((m) => m.name === name);
    if (!state.model) {
        return;
    }
    $('model-task').textContent = state.model.task;
    $('model-labels').textContent = state.model.labels.join(', ');
    $('model-weights').textContent = state.model.weights || 'not stated';
    $('text-input').hidden = state.model.task !== TEXT_TASK;
    $('image-input').hidden = state.model.task !== IMAGE_TASK;
    clearTimeout(state.liveTimer);
    refreshLive();
}

/** The selected model's backlog, throughput and workers, refreshed while the page is visible. */
async function refreshLive() {
    const name = state.model.name;
    try {
        if (!document.hidden) {
            const {live, versions} = await api(`/v1/models/${encodeURIComponent(name)}`);
            if (state.model.name === name) {
                renderLive(live);
                renderVersions(versions);
            }
        }
    } catch (problem) {
        $('live-backlog').textContent = `unavailable (${problem.message})`;
    }
    if (state.model.name === name) {
        state.liveTimer = setTimeout(refreshLive, LIVE_REFRESH_MS);
    }
}

function renderLive(live) {
    $('live-backlog').textContent = live.backlog < 0 ? 'not measured yet' : `${live.backlog} waiting`;
    $('live-throughput').textContent = live.completed_per_second == null
        ? 'not measured yet'
        : `${live.completed_per_second.toFixed(2)} jobs/s over the last ${live.window_s} s`;
    $('live-workers').textContent = String(live.worker_count);
    $('live-worker-list').replaceChildren(...live.workers.map((w) =>
        element('li', {}, `${w.id}: ${w.variant} on ${w.engine}`)));
}

/** Each version of the model: its status (the canary with its share), its weights and how many workers have it. */
function renderVersions(versions) {
    $('model-versions').replaceChildren(...versions.versions.map((v) => {
        const status = v.status === 'canary' ? `canary, ${Math.round(versions.canary.share * 1000) / 10}% of jobs`
            : v.status;
        const weights = v.card ? v.card.weights : 'card unreadable';
        return element('li', {}, `${versions.model}@${v.version}: ${status} · weights ${weights}`
            + ` · loaded on ${v.workers.length} worker(s)`);
    }));
}

// ---- Submitting ----

function chooseFile(file) {
    state.file = file || null;
    $('file-chosen').textContent = file ? `Chosen: ${file.name} (${Math.ceil(file.size / 1024)} KB)` : '';
    if (file) {
        $('url').value = '';
    }
}

/** The request for the selected model, or a Problem saying what is missing. */
function buildRequest() {
    switch (state.model.task) {
        case TEXT_TASK:
            return textRequest();
        case IMAGE_TASK:
            return imageRequest();
        default:
            // A task the API serves and this page does not know yet: say so rather than send the wrong form.
            throw new Problem('Task not supported here', `This console cannot submit ${state.model.task} jobs yet.`);
    }
}

function textRequest() {
    const inputs = $('texts').value.split('\n').map((line) => line.trim()).filter(Boolean);
    if (inputs.length === 0) {
        throw new Problem('Nothing to submit', 'Type at least one text, one per line.');
    }
    return {request: jsonPost({inputs}), inputs, label: inputs[0]};
}

function imageRequest() {
    const url = $('url').value.trim();
    if (state.file) {
        const form = new FormData();
        form.append('file', state.file, state.file.name);
        return {request: {method: 'POST', body: form}, label: state.file.name};
    }
    if (url) {
        return {request: jsonPost({url}), label: url};
    }
    throw new Problem('Nothing to submit', 'Choose or drop an image file, or enter an image URL.');
}

function jsonPost(body) {
    return {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)};
}

async function submit(event) {
    event.preventDefault();
    clearProblem();
    const button = $('submit');
    button.disabled = true;
    try {
        const {request, inputs, label} = buildRequest();
        const accepted = await api(`/v1/models/${encodeURIComponent(state.model.name)}/jobs`, request);
        remember({id: accepted.id, model: accepted.model, createdAt: accepted.created_at, inputs, label});
        openJob(accepted.id);
        loadJobs();
    } catch (problem) {
        showProblem(problem);
    } finally {
        button.disabled = false;
    }
}

// ---- Following a job ----

function openJob(id) {
    closeStream();
    clearProblem();
    state.jobId = id;
    history.replaceState(null, '', `#job=${encodeURIComponent(id)}`);
    $('job-panel').hidden = false;
    $('job-id').textContent = id;
    setStatus('CONNECTING');
    $('job-queue').textContent = '';
    $('cancel').hidden = true;
    $('job-facts').replaceChildren();
    $('job-error').hidden = true;
    $('results').replaceChildren();

    if (apiKey()) {
        // EventSource cannot send an Authorization header: with a key the job is polled instead.
        pollJob(id);
        return;
    }
    const source = new EventSource(`/v1/jobs/${encodeURIComponent(id)}/events`);
    state.source = source;
    source.addEventListener('status', (event) => {
        const job = JSON.parse(event.data);
        renderJob(job);
        if (isFinished(job)) {
            // The server ends the stream after the last event; closing stops EventSource from reconnecting.
            closeStream();
        }
    });
    source.addEventListener('error', () => {
        // A dropped connection is retried by the browser (readyState CONNECTING). CLOSED means the server
        // refused the stream (unknown or expired job): ask once more with a plain GET to show why.
        if (state.source === source && source.readyState === EventSource.CLOSED) {
            closeStream();
            api(`/v1/jobs/${encodeURIComponent(id)}`).then(renderJob, (problem) => {
                setStatus('UNAVAILABLE');
                showProblem(problem);
            });
        }
    });
}

// The API sets finished_at on every terminal status, so the console keeps no list of those statuses of its own.
function isFinished(job) {
    return job.finished_at != null;
}

async function pollJob(id) {
    try {
        const job = await api(`/v1/jobs/${encodeURIComponent(id)}`);
        if (state.jobId !== id) {
            return;
        }
        renderJob(job);
        if (!isFinished(job)) {
            state.pollTimer = setTimeout(() => pollJob(id), POLL_MS);
        }
    } catch (problem) {
        if (state.jobId === id) {
            setStatus('UNAVAILABLE');
            showProblem(problem);
        }
    }
}

function closeStream() {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
    if (state.source) {
        state.source.close();
        state.source = null;
    }
}

function setStatus(status) {
    const badge = $('job-status');
    badge.textContent = status;
    badge.dataset.status = status;
}

function renderJob(job) {
    if (job.id !== state.jobId) {
        return;
    }
    setStatus(job.status);
    $('job-queue').textContent = job.status === 'QUEUED' ? queueText(job) : '';
    $('cancel').hidden = job.status !== 'QUEUED';
    renderFacts(job);
    $('job-error').hidden = !job.error;
    $('job-error').textContent = job.error || '';
    const recent = updateRecent(job);
    $('results').replaceChildren(...(job.predictions || []).map((prediction, i) =>
        renderPrediction(prediction, captionOf(job, recent, i))));
}

/** "3 jobs ahead · about 12 s", from the figures the record carries while the job waits (if any). */
function queueText(job) {
    const parts = [];
    if (job.queue_position != null) {
        parts.push(job.queue_position === 0 ? 'next in line'
            : `${job.queue_position} job${job.queue_position === 1 ? '' : 's'} ahead`);
    }
    if (job.eta_s != null) {
        parts.push(`starts in about ${formatSeconds(job.eta_s)}`);
    }
    return parts.length ? parts.join(' · ') : 'waiting for a worker';
}

function formatSeconds(seconds) {
    return seconds < 90 ? `${Math.max(1, Math.round(seconds))} s` : `${Math.round(seconds / 60)} min`;
}

function renderFacts(job) {
    const facts = [
        ['Model', job.model],
        ['Version', job.model_version],
        ['Inputs', job.input_count],
        ['Created', formatTime(job.created_at)],
        ['Started', formatTime(job.started_at)],
        ['Finished', formatTime(job.finished_at)],
        ['Deadline', formatTime(job.deadline)],
        ['Worker', job.worker],
    ].filter(([, value]) => value != null && value !== '');
    $('job-facts').replaceChildren(...facts.flatMap(([name, value]) =>
        [element('dt', {}, name), element('dd', {}, String(value))]));
}

function formatTime(iso) {
    return iso ? new Date(iso).toLocaleString() : null;
}

function captionOf(job, recent, index) {
    if (recent && recent.inputs && recent.inputs[index] != null) {
        return recent.inputs[index];
    }
    if (recent && recent.label && job.input_count === 1) {
        return recent.label;
    }
    return `Input ${index + 1}`;
}

/** One input's result: its text (or image name), the best label, and a bar per label score. */
function renderPrediction(prediction, caption) {
    const bars = prediction.scores.map((s) => {
        const percent = (s.score * 100).toFixed(1);
        const bar = element('span', {className: 'bar', 'aria-hidden': 'true'});
        bar.style.setProperty('--score', s.score);
        return element('li', {className: 'score', dataset: {label: s.label}},
            element('span', {className: 'score-label'}, s.label), bar,
            element('span', {className: 'score-value'}, `${percent} %`));
    });
    return element('article', {className: 'prediction'},
        element('h3', {className: 'caption'}, caption),
        element('p', {}, 'Label: ', element('strong', {className: 'predicted-label'}, prediction.label)),
        element('ol', {className: 'scores', 'aria-label': `Scores for ${caption}`}, ...bars));
}

async function cancelJob() {
    const id = state.jobId;
    clearProblem();
    try {
        renderJob(await api(`/v1/jobs/${encodeURIComponent(id)}/cancel`, {method: 'POST'}));
    } catch (problem) {
        showProblem(problem);
    }
}

// ---- Recent jobs (localStorage) ----

function recentJobs() {
    try {
        return JSON.parse(localStorage.getItem(RECENT_KEY)) || [];
    } catch (e) {
        return [];
    }
}

function saveRecent(jobs) {
    localStorage.setItem(RECENT_KEY, JSON.stringify(jobs.slice(0, RECENT_MAX)));
    renderRecent();
}

function remember(job) {
    saveRecent([{...job, status: 'QUEUED'}, ...recentJobs().filter((j) => j.id !== job.id)]);
}

/** Records the job's latest status in the list; returns the list's entry for it, if this browser has one. */
function updateRecent(job) {
    const jobs = recentJobs();
    const entry = jobs.find((j) => j.id === job.id);
    if (entry && entry.status !== job.status) {
        entry.status = job.status;
        saveRecent(jobs);
    }
    return entry;
}

function renderRecent() {
    const jobs = recentJobs();
    $('recent-empty').hidden = jobs.length > 0;
    $('clear-recent').hidden = jobs.length === 0;
    $('recent-jobs').replaceChildren(...jobs.map((job) => {
        const button = element('button', {type: 'button', className: 'recent-job', dataset: {jobId: job.id}},
            element('span', {className: 'status', dataset: {status: job.status}}, job.status),
            ` ${job.model} · ${job.label || job.id} · ${formatTime(job.createdAt) || ''}`);
        button.addEventListener('click', () => openJob(job.id));
        return element('li', {}, button);
    }));
}

// ---- The tenant's jobs (GET /v1/jobs) ----

/** The first page of the tenant's jobs with the chosen filters, or (more) the page after the one shown. */
async function loadJobs(more = false) {
    const params = new URLSearchParams({limit: String(JOBS_PAGE)});
    if ($('jobs-model').value) {
        params.set('model', $('jobs-model').value);
    }
    if ($('jobs-status').value) {
        params.set('status', $('jobs-status').value);
    }
    if (more && state.jobsCursor) {
        params.set('cursor', state.jobsCursor);
    }
    $('jobs-message').textContent = 'Loading…';
    try {
        const page = await api(`/v1/jobs?${params}`);
        const items = page.jobs.map(serverJob);
        if (more) {
            $('server-jobs').append(...items);
        } else {
            $('server-jobs').replaceChildren(...items);
        }
        state.jobsCursor = page.next_cursor;
        $('jobs-more').hidden = !page.next_cursor;
        const shown = $('server-jobs').children.length;
        // A filtered page stops after a bounded read of the list, so it may be short, or empty, with more to come.
        $('jobs-message').textContent = shown > 0 ? `${shown} job${shown === 1 ? '' : 's'} shown`
            : page.next_cursor ? 'None among the newest jobs; look further with "Older jobs".' : 'No jobs.';
    } catch (problem) {
        // Shown here, not in the page's problem box, which belongs to submitting and following a job.
        $('jobs-message').textContent = `Could not list the jobs: ${problem.status ? `${problem.status} · ` : ''}`
            + `${problem.title}. ${problem.detail || ''}`;
    }
}

function serverJob(job) {
    const button = element('button', {type: 'button', className: 'recent-job', dataset: {jobId: job.id}},
        element('span', {className: 'status', dataset: {status: job.status}}, job.status),
        ` ${job.model} · ${job.id} · ${formatTime(job.created_at) || ''}`);
    button.addEventListener('click', () => openJob(job.id));
    return element('li', {}, button);
}

// ---- Small DOM helper ----

/** document.createElement with properties (dataset and aria-* included) and children (nodes or text). */
function element(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
        if (key === 'dataset') {
            Object.assign(node.dataset, value);
        } else if (key.startsWith('aria-')) {
            node.setAttribute(key, value);
        } else {
            node[key] = value;
        }
    }
    node.append(...children);
    return node;
}

// ---- Wiring ----

function wireDropzone() {
    const zone = $('dropzone');
    zone.addEventListener('dragover', (event) => {
        event.preventDefault();
        zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (event) => {
        event.preventDefault();
        zone.classList.remove('dragging');
        chooseFile(event.dataTransfer.files[0]);
    });
}

document.addEventListener('DOMContentLoaded', () => {
    $('model').addEventListener('change', (event) => selectModel(event.target.value));
    $('submit-form').addEventListener('submit', submit);
    $('file').addEventListener('change', (event) => chooseFile(event.target.files[0]));
    $('url').addEventListener('input', () => {
        if ($('url').value) {
            $('file').value = '';
            chooseFile(null);
        }
    });
    $('cancel').addEventListener('click', cancelJob);
    $('api-key').value = apiKey();
    $('api-key').addEventListener('change', () => {
        sessionStorage.setItem(API_KEY, $('api-key').value.trim());
        clearProblem();
        loadModels().catch(showProblem);
        loadJobs();
    });
    $('clear-recent').addEventListener('click', () => saveRecent([]));
    $('jobs-filter').addEventListener('submit', (event) => {
        event.preventDefault();
        loadJobs();
    });
    $('jobs-model').addEventListener('change', () => loadJobs());
    $('jobs-status').addEventListener('change', () => loadJobs());
    $('jobs-more').addEventListener('click', () => loadJobs(true));
    wireDropzone();
    renderRecent();
    loadModels().catch(showProblem);
    loadJobs();
    const linked = new URLSearchParams(location.hash.slice(1)).get('job');
    if (linked) {
        openJob(linked);
    }
});
