"use client";
/**
 * What a finished generation offers beyond its images: "Open in Canva"
 * (sendGenerationToCanva, then the send's status as the live stream brings
 * it, then a link to the design) and, for a carousel, its LinkedIn-ready
 * PDF. The design's edit link is asked of the API only once the design is
 * READY, and afresh each time: Canva's edit links expire and open only for
 * the person who asked.
 */
import { useMutation, useQuery } from "@urql/next";
import { useEffect } from "react";
import {
  DashboardCanvaAccountDocument,
  DashboardCanvaEditUrlDocument,
  DashboardDownloadUrlDocument,
  DashboardSendToCanvaDocument,
  type DashboardGenerationFragment,
} from "@/graphql/generated/graphql";
import { messageOf } from "@/app/ui/errors";

type Send = NonNullable<DashboardGenerationFragment["canva"]>;

/** Whether a send of this generation is waiting for or being worked on by the worker (the list polls when the stream is down). */
export function canvaInFlight(generation: DashboardGenerationFragment): boolean {
  return generation.canva?.status === "QUEUED" || generation.canva?.status === "SENDING";
}

export function CanvaActions({ generation }: { generation: DashboardGenerationFragment }) {
  if (generation.status !== "COMPLETED") return null;
  return (
    <div className="row" style={{ marginBottom: "0.5rem" }}>
      {generation.outputFormat === "CAROUSEL" ? <DownloadPdf generationId={generation.id} /> : null}
      <OpenInCanva generation={generation} />
    </div>
  );
}

/** Signs a URL for the carousel's PDF and hands it to the browser as a download. */
function DownloadPdf({ generationId }: { generationId: string }) {
  const [signed, sign] = useMutation(DashboardDownloadUrlDocument);
  async function download() {
    const url = (await sign({ input: { id: generationId, format: "PDF", expiresIn: 300 } })).data?.createGenerationDownloadUrl.download.url;
    if (!url) return;
    // Storage's `download` parameter (Supabase's, and the local server's) serves it as an attachment: the page stays.
    const attachment = new URL(url, window.location.href);
    attachment.searchParams.set("download", `postora-${generationId}.pdf`);
    const link = document.createElement("a");
    link.href = attachment.toString();
    document.body.append(link);
    link.click();
    link.remove();
  }
  return (
    <>
      <button type="button" className="secondary" onClick={() => void download()} disabled={signed.fetching}>{signed.fetching ? "Preparing PDF…" : "Download PDF"}</button>
      {signed.error ? <span className="field-error" role="alert">Could not get the PDF: {messageOf(signed.error)}</span> : null}
    </>
  );
}

const requested = (send: Send | null | undefined) => (send ? Date.parse(send.requestedAt) : -1);

function OpenInCanva({ generation }: { generation: DashboardGenerationFragment }) {
  const [account, readAccount] = useQuery({ query: DashboardCanvaAccountDocument, variables: {} });
  const [sent, sendToCanva] = useMutation(DashboardSendToCanvaDocument);
  // The newer of what the list or stream holds and what the send just answered (the stream may not have spoken yet).
  const answered = sent.data?.sendGenerationToCanva.generation.canva;
  const send = requested(answered) > requested(generation.canva) ? answered : generation.canva;
  const connected = account.data?.viewer?.canva.connected;

  // A send that failed (or was refused) may have found the grant gone: read the connection again.
  const failed = send?.status === "FAILED";
  const refused = Boolean(sent.error);
  useEffect(() => {
    if (failed || refused) readAccount({ requestPolicy: "network-only" });
  }, [failed, refused, readAccount]);

  const start = () => void sendToCanva({ input: { id: generation.id } });
  const connectFirst = (
    <a className="button secondary" href="/account">{send ? "Connect Canva again" : "Connect Canva first to open in Canva"}</a>
  );

  if (sent.fetching || send?.status === "QUEUED" || send?.status === "SENDING") {
    const where = sent.fetching ? "asking" : send?.status === "SENDING" ? "uploading and making the design" : "queued";
    return <span role="status" className="hint">Sending to Canva… ({where})</span>;
  }
  const error = sent.error ? <span className="field-error" role="alert">{messageOf(sent.error)}</span> : null;
  if (send?.status === "READY") {
    return (
      <>
        <EditLink key={send.designId} generationId={generation.id} designId={send.designId} />
        <button type="button" className="secondary" onClick={start} title="Makes a new design from the images as they are now">Send to Canva again</button>
        {error}
      </>
    );
  }
  return (
    <>
      {failed ? <span className="field-error" role="alert">Sending to Canva failed: {send.failureReason}</span> : null}
      {connected === false ? connectFirst : <button type="button" className="secondary" onClick={start}>{failed ? "Send to Canva again" : "Open in Canva"}</button>}
      {error}
    </>
  );
}

/** The design's edit link, asked of the API (and so of Canva) now, once per design (keyed by it). */
function EditLink({ generationId, designId }: { generationId: string; designId: string | null }) {
  const [result] = useQuery({ query: DashboardCanvaEditUrlDocument, variables: { id: generationId }, requestPolicy: "network-only" });
  const node = result.data?.node;
  const editUrl = node && "canva" in node ? node.canva?.editUrl : null;
  if (result.fetching && !editUrl) return <span className="hint" role="status">Asking Canva for the design&apos;s link…</span>;
  if (!editUrl) {
    return (
      <span className="hint">
        Sent to Canva (design {designId}), but Canva gave no link just now: it is in your Canva account, or <a href="/account">check your connection</a>.
      </span>
    );
  }
  return (
    <span className="row">
      <a className="button" href={editUrl} target="_blank" rel="noopener noreferrer">Edit the design in Canva</a>
      <span className="hint">Design {designId}</span>
    </span>
  );
}
