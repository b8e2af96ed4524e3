"use client";
/**
 * The dashboard's main page: turn text into a post, then follow it through
 * the pipeline. Every operation is a generated, typed document.
 */
import { useMutation, useQuery, useSubscription } from "@urql/next";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import {
  DashboardCreateGenerationDocument,
  DashboardDeleteGenerationDocument,
  DashboardDownloadUrlDocument,
  DashboardGenerationsDocument,
  DashboardGenerationUpdatedDocument,
  DashboardRetryGenerationDocument,
  DashboardTemplatesDocument,
  DashboardUploadUrlDocument,
  type DashboardGenerationFragment,
  type OutputFormat,
} from "@/graphql/generated/graphql";
import { useDraft } from "@/app/ui/draft";
import { useHydrated } from "@/app/ui/hydrated";
import { formErrors, messageOf } from "@/app/ui/errors";
import { uploadWithProgress } from "@/app/ui/upload";
import { CanvaActions, canvaInFlight } from "@/app/ui/canva-send";

const FORMATS: { value: OutputFormat; label: string }[] = [
  { value: "BULLET_POINTS", label: "Bullet points" },
  { value: "CAROUSEL", label: "Carousel" },
  { value: "CANVA_DESIGN", label: "Quote card" },
];
const PAGE_SIZE = 10;
const POLL_MS = 1500;

export function GenerationsPage() {
  const [announcement, setAnnouncement] = useState("");
  return (
    <>
      <h1>Generations</h1>
      <CreateGeneration onCreated={() => setAnnouncement("Generation queued.")} />
      <GenerationList onStatusChange={setAnnouncement} />
      <p className="sr-only" aria-live="polite" role="status">{announcement}</p>
    </>
  );
}

function CreateGeneration({ onCreated }: { onCreated: () => void }) {
  const [text, setText, clearText] = useDraft("generation.inputContent", "");
  const [format, setFormat] = useDraft<OutputFormat>("generation.outputFormat", "BULLET_POINTS");
  const [templateId, setTemplateId] = useState("");
  const [templates] = useQuery({ query: DashboardTemplatesDocument, variables: { type: format } });
  const [created, create] = useMutation(DashboardCreateGenerationDocument);
  const hydrated = useHydrated();
  const errors = formErrors(created.error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await create({ input: { inputContent: text, outputFormat: format, templateId: templateId || null } });
    if (!result.error) {
      clearText();
      setTemplateId("");
      onCreated();
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-labelledby="create-heading">
      <h2 id="create-heading" style={{ marginTop: 0 }}>New post</h2>
      <label htmlFor="input-content">Your text</label>
      <textarea
        id="input-content"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Paste an article, notes or a thread: Postora turns it into a post."
        aria-invalid={Boolean(errors.fields.inputContent)}
        aria-describedby="input-content-error"
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) e.currentTarget.form?.requestSubmit();
        }}
      />
      {errors.fields.inputContent ? <p id="input-content-error" className="field-error">{errors.fields.inputContent}</p> : null}
      <div className="grid2">
        <div>
          <label htmlFor="output-format">Format</label>
          <select id="output-format" value={format} onChange={(e) => { setFormat(e.target.value as OutputFormat); setTemplateId(""); }}>
            {FORMATS.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
          </select>
          {errors.fields.outputFormat ? <p className="field-error">{errors.fields.outputFormat}</p> : null}
        </div>
        <div>
          <label htmlFor="template">Template</label>
          <select id="template" value={templateId} onChange={(e) => setTemplateId(e.target.value)} aria-describedby="template-error">
            <option value="">Default</option>
            {templates.data?.templates?.edges.map(({ node }) => (
              <option key={node.id} value={node.id}>{node.name}{node.isSystem ? " (Postora)" : ""}</option>
            ))}
          </select>
          {errors.fields.templateId ? <p id="template-error" className="field-error">{errors.fields.templateId}</p> : null}
        </div>
      </div>
      {errors.form ? <p className="error" role="alert">{errors.form}</p> : null}
      <div className="row" style={{ marginTop: "1rem" }}>
        <button type="submit" disabled={created.fetching || !hydrated}>{created.fetching ? "Queueing…" : "Generate"}</button>
        <span className="hint">Ctrl+Enter submits.</span>
      </div>
    </form>
  );
}

type Cursor = { after?: string | null; before?: string | null };

function GenerationList({ onStatusChange }: { onStatusChange: (message: string) => void }) {
  const [cursor, setCursor] = useState<Cursor>({});
  const variables = useMemo(
    () => (cursor.before ? { last: PAGE_SIZE, before: cursor.before } : { first: PAGE_SIZE, after: cursor.after ?? null }),
    [cursor],
  );
  // An empty page holds no Generation for urql's document cache to key on: name the type, so creating one refetches the list.
  const context = useMemo(() => ({ additionalTypenames: ["Generation"] }), []);
  const [result, reexecute] = useQuery({ query: DashboardGenerationsDocument, variables, context });
  // Pushed by the server as they change (subscription generationUpdated): the latest of each, by id.
  const [live] = useSubscription({ query: DashboardGenerationUpdatedDocument }, (latest: Record<string, DashboardGenerationFragment> = {}, event) => ({
    ...latest,
    [event.generationUpdated.id]: event.generationUpdated,
  }));
  const connection = result.data?.viewer?.generations;
  const items = useMemo(() => connection?.edges.map((edge) => live.data?.[edge.node.id] ?? edge.node) ?? [], [connection, live.data]);
  const inFlight = items.some((item) => item.status === "QUEUED" || item.status === "PROCESSING" || canvaInFlight(item));

  // One the list does not hold yet (made in another tab, by a script): the first page is read again, once.
  const asked = useRef(new Set<string>());
  useEffect(() => {
    if (!connection || cursor.after || cursor.before) return;
    const shown = new Set(connection.edges.map((edge) => edge.node.id));
    const unknown = Object.keys(live.data ?? {}).filter((id) => !shown.has(id) && !asked.current.has(id));
    if (unknown.length === 0) return;
    for (const id of unknown) asked.current.add(id);
    reexecute({ requestPolicy: "network-only" });
  }, [live.data, connection, cursor, reexecute]);

  // Only when the stream could not open (or broke for good): follow queued and processing generations by polling.
  const streamFailed = Boolean(live.error);
  useEffect(() => {
    if (!inFlight || !streamFailed) return;
    const timer = setInterval(() => reexecute({ requestPolicy: "network-only" }), POLL_MS);
    return () => clearInterval(timer);
  }, [inFlight, streamFailed, reexecute]);

  // Announce status changes to screen readers.
  const seen = useRef(new Map<string, string>());
  useEffect(() => {
    for (const item of items) {
      const before = seen.current.get(item.id);
      if (before && before !== item.status) onStatusChange(`A ${label(item.outputFormat)} generation is now ${item.status.toLowerCase()}.`);
      seen.current.set(item.id, item.status);
    }
  }, [items, onStatusChange]);

  if (result.error && !result.data) return <p className="error" role="alert">Could not load your generations: {messageOf(result.error)}</p>;
  if (!result.data) return <p className="loading" role="status">Loading your generations…</p>;
  return (
    <section className="panel" aria-labelledby="list-heading">
      <h2 id="list-heading" style={{ marginTop: 0 }}>Your generations</h2>
      {items.length === 0 ? (
        <p className="empty">
          <strong>Nothing yet.</strong>
          Start above: paste an article, notes or a thread into “Your text”, pick a format and press Generate. Your post shows here as it is made.
        </p>
      ) : (
        <ol style={{ listStyle: "none", padding: 0, margin: 0 }}>
          {items.map((item) => <GenerationItem key={item.id} generation={item} refresh={() => reexecute({ requestPolicy: "network-only" })} />)}
        </ol>
      )}
      {connection?.pageInfo.hasPreviousPage || connection?.pageInfo.hasNextPage ? (
        <nav className="row" aria-label="Pages of generations">
          <button type="button" className="secondary" disabled={!connection.pageInfo.hasPreviousPage} onClick={() => setCursor({ before: connection.pageInfo.startCursor })}>Newer</button>
          <button type="button" className="secondary" disabled={!connection.pageInfo.hasNextPage} onClick={() => setCursor({ after: connection.pageInfo.endCursor })}>Older</button>
        </nav>
      ) : null}
    </section>
  );
}

function label(format: OutputFormat): string {
  return FORMATS.find((f) => f.value === format)?.label.toLowerCase() ?? format;
}

function GenerationItem({ generation, refresh }: { generation: DashboardGenerationFragment; refresh: () => void }) {
  const [retried, retry] = useMutation(DashboardRetryGenerationDocument);
  const [deleted, remove] = useMutation(DashboardDeleteGenerationDocument);
  const [confirming, setConfirming] = useState(false);
  // Signs the images' URLs again after an upload or a finished retry; each new file has its own URL (its version).
  const [uploads, setUploads] = useState(0);
  const fileVersion = `${generation.completedAt ?? ""}#${uploads}`;
  const status = generation.status.toLowerCase();
  const headingId = `generation-${generation.id}`;
  return (
    <li className="generation" aria-labelledby={headingId}>
      <div className="row">
        <h3 id={headingId} style={{ margin: 0, fontSize: "1rem" }}>{FORMATS.find((f) => f.value === generation.outputFormat)?.label}</h3>
        <span className={`badge ${status}`}>{status}</span>
        <span className="meta">{new Date(generation.createdAt).toLocaleString()}</span>
      </div>
      <p className="input-preview">{generation.inputContent}</p>
      {generation.status === "COMPLETED" && generation.bulletPoints?.length ? (
        <ul aria-label="Bullet points">{generation.bulletPoints.map((point, index) => <li key={index}>{point}</li>)}</ul>
      ) : null}
      {generation.status === "FAILED" && generation.failureReason ? <p className="error">{generation.failureReason}</p> : null}
      {generation.quote ? <blockquote>{generation.quote}</blockquote> : null}
      {generation.slides?.length ? (
        <>
          <p className="slides-hint hint" id={`${headingId}-slides`}>
            {generation.slides.length} slides: scroll sideways for the rest <span aria-hidden="true">→</span>
          </p>
          <ol className="slides" aria-label="Carousel slides" aria-describedby={`${headingId}-slides`}>
            {generation.slides.map((slide) => (
              <li key={slide.number}>
                <GenerationImage generationId={generation.id} slide={slide.number} alt={`Slide ${slide.number}: ${slide.title}`} fileVersion={fileVersion} />
              </li>
            ))}
          </ol>
        </>
      ) : generation.hasFile ? (
        <GenerationImage generationId={generation.id} slide={1} alt="The generated image" fileVersion={fileVersion} />
      ) : null}
      <CanvaActions generation={generation} />
      <div className="row">
        <UploadOwnImage generationId={generation.id} onUploaded={() => { setUploads((count) => count + 1); refresh(); }} />
        {generation.status === "FAILED" ? (
          <button type="button" onClick={() => void retry({ input: { id: generation.id } })} disabled={retried.fetching}>Retry</button>
        ) : null}
        {confirming ? (
          <span className="row" role="group" aria-label="Confirm delete">
            <span>Delete this generation and its images?</span>
            <button type="button" className="danger" onClick={() => void remove({ input: { id: generation.id } }).then(() => refresh())} disabled={deleted.fetching}>Yes, delete</button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>Cancel</button>
          </span>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>Delete</button>
        )}
      </div>
      {retried.error || deleted.error ? <p className="error" role="alert">{messageOf(retried.error ?? deleted.error)}</p> : null}
    </li>
  );
}

/** One image and its download link; `fileVersion` changes when the file may have: the URL is signed again then. */
function GenerationImage({ generationId, slide, alt, fileVersion }: { generationId: string; slide: number; alt: string; fileVersion: string }) {
  const [download, sign] = useMutation(DashboardDownloadUrlDocument);
  useEffect(() => {
    void sign({ input: { id: generationId, slide, expiresIn: 600 } });
  }, [generationId, slide, sign, fileVersion]);
  const url = download.data?.createGenerationDownloadUrl.download.url;
  if (download.error) return <p className="error">Could not load the image: {messageOf(download.error)}</p>;
  if (!url) return <p className="loading">Loading image…</p>;
  return (
    <figure className="card" style={{ margin: "0.5rem 0" }}>
      <img src={url} alt={alt} width={216} />
      <figcaption><a href={url} download={`postora-${generationId}-${slide}.png`}>Download {slide > 1 ? <span className="sr-only">slide {slide} </span> : null}PNG</a></figcaption>
    </figure>
  );
}

function UploadOwnImage({ generationId, onUploaded }: { generationId: string; onUploaded: () => void }) {
  const [, signUpload] = useMutation(DashboardUploadUrlDocument);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inputId = `upload-${generationId}`;

  async function upload(file: File) {
    setError(null);
    setProgress(0);
    const signed = await signUpload({ input: { id: generationId } });
    const target = signed.data?.createGenerationUploadUrl.upload;
    if (!target) {
      setProgress(null);
      setError(messageOf(signed.error) ?? "Could not get an upload URL.");
      return;
    }
    try {
      await uploadWithProgress(target, file, setProgress);
      onUploaded();
    } catch (uploadError) {
      setError((uploadError as Error).message);
    } finally {
      setProgress(null);
    }
  }

  return (
    <span className="row">
      <label htmlFor={inputId} className="button secondary" style={{ margin: 0, fontWeight: 400 }}>Upload your own PNG</label>
      <input id={inputId} type="file" accept="image/png" className="sr-only" onChange={(e) => { const file = e.target.files?.[0]; if (file) void upload(file); e.target.value = ""; }} />
      {progress !== null ? <progress max={1} value={progress} aria-label="Upload progress">{Math.round(progress * 100)}%</progress> : null}
      {error ? <span className="field-error" role="alert">{error}</span> : null}
    </span>
  );
}
