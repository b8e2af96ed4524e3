"use client";
/**
 * Templates: Postora's own (read-only) and the person's, whose content is
 * edited as a form, one field per setting the pipeline reads
 * (lib/generations/content.ts).
 */
import { useMutation, useQuery } from "@urql/next";
import { useId, useMemo, useState, type FormEvent, type ReactNode } from "react";
import {
  DashboardCreateTemplateDocument,
  DashboardDeleteTemplateDocument,
  DashboardTemplatesDocument,
  DashboardUpdateTemplateDocument,
  type OutputFormat,
} from "@/graphql/generated/graphql";
import { formErrors, messageOf } from "@/app/ui/errors";

type Setting = { key: string; label: string; kind: "number" | "text"; min?: number; max?: number; fallback: number | string };

/** The settings of each format, with the pipeline's defaults and bounds. */
const SETTINGS: Record<OutputFormat, Setting[]> = {
  BULLET_POINTS: [
    { key: "bullets", label: "Number of bullet points", kind: "number", min: 1, max: 10, fallback: 5 },
    { key: "maxWordsPerBullet", label: "Words per bullet point (at most)", kind: "number", min: 4, max: 40, fallback: 18 },
    { key: "tone", label: "Tone", kind: "text", fallback: "plain" },
  ],
  CAROUSEL: [
    { key: "slides", label: "Number of slides", kind: "number", min: 2, max: 10, fallback: 6 },
    { key: "maxTitleWords", label: "Words per slide title (at most)", kind: "number", min: 2, max: 12, fallback: 8 },
    { key: "maxBodyWords", label: "Words per slide body (at most)", kind: "number", min: 5, max: 60, fallback: 30 },
    { key: "tone", label: "Tone", kind: "text", fallback: "plain" },
  ],
  CANVA_DESIGN: [
    { key: "maxQuoteWords", label: "Words in the quote (at most)", kind: "number", min: 5, max: 45, fallback: 30 },
    { key: "tone", label: "Tone", kind: "text", fallback: "plain" },
  ],
};
const FORMAT_LABELS: Record<OutputFormat, string> = { BULLET_POINTS: "Bullet points", CAROUSEL: "Carousel", CANVA_DESIGN: "Quote card" };

// The payload names only the deleted id, no Template: say which cached lists it changes, so they are read again.
const DELETED = { additionalTypenames: ["Template"] };

type TemplateNode = { id: string; name: string; type: OutputFormat; isSystem: boolean; content: unknown };

export function TemplatesPage() {
  const context = useMemo(() => ({ additionalTypenames: ["Template"] }), []);
  const [result] = useQuery({ query: DashboardTemplatesDocument, variables: {}, context });
  const [editing, setEditing] = useState<TemplateNode | "new" | null>(null);
  const templates = (result.data?.templates?.edges.map((edge) => edge.node) ?? []) as TemplateNode[];
  return (
    <>
      <h1>Templates</h1>
      <p className="hint">A template shapes what a generation makes: how many bullet points or slides, how long, in what tone.</p>
      {editing ? (
        <TemplateForm template={editing === "new" ? null : editing} onDone={() => setEditing(null)} />
      ) : (
        <button type="button" onClick={() => setEditing("new")}>New template</button>
      )}
      {result.error && !result.data ? <p className="error" role="alert">Could not load templates: {messageOf(result.error)}</p> : null}
      {!result.data && !result.error ? <p className="loading" role="status">Loading templates…</p> : null}
      {result.data ? (
        <div className="grid2" style={{ marginTop: "1rem" }}>
          <TemplateList
            title="Your templates"
            templates={templates.filter((t) => !t.isSystem)}
            onEdit={setEditing}
            empty={<><strong>No templates of your own yet.</strong>Press “New template” to set how many bullet points or slides a generation makes, then pick it under Template when you generate.</>}
          />
          <TemplateList title="Postora’s templates" templates={templates.filter((t) => t.isSystem)} empty="Postora has no templates on this server yet." />
        </div>
      ) : null}
    </>
  );
}

function TemplateList({ title, templates, onEdit, empty }: { title: string; templates: TemplateNode[]; onEdit?: (t: TemplateNode) => void; empty: ReactNode }) {
  const [deleted, remove] = useMutation(DashboardDeleteTemplateDocument);
  const [confirming, setConfirming] = useState<string | null>(null);
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId} style={{ marginTop: 0 }}>{title}</h2>
      {templates.length === 0 ? <p className="empty">{empty}</p> : null}
      <ul style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {templates.map((template) => (
          <li key={template.id} className="generation">
            <div className="row">
              <strong>{template.name}</strong>
              <span className="badge">{FORMAT_LABELS[template.type]}</span>
            </div>
            <p className="meta">{describe(template)}</p>
            {onEdit ? (
              <div className="row">
                <button type="button" className="secondary" onClick={() => onEdit(template)} aria-label={`Edit ${template.name}`}>Edit</button>
                {confirming === template.id ? (
                  <>
                    <button type="button" className="danger" onClick={() => void remove({ input: { id: template.id } }, DELETED)} disabled={deleted.fetching}>Yes, delete {template.name}</button>
                    <button type="button" className="secondary" onClick={() => setConfirming(null)}>Cancel</button>
                  </>
                ) : (
                  <button type="button" className="danger" onClick={() => setConfirming(template.id)} aria-label={`Delete ${template.name}`}>Delete</button>
                )}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {deleted.error ? <p className="error" role="alert">{messageOf(deleted.error)}</p> : null}
    </section>
  );
}

function describe(template: TemplateNode): string {
  const content = (template.content ?? {}) as Record<string, unknown>;
  return SETTINGS[template.type]
    .map((setting) => `${setting.label}: ${String(content[setting.key] ?? setting.fallback)}`)
    .join(" · ");
}

function TemplateForm({ template, onDone }: { template: TemplateNode | null; onDone: () => void }) {
  const [type, setType] = useState<OutputFormat>(template?.type ?? "BULLET_POINTS");
  const [name, setName] = useState(template?.name ?? "");
  const [values, setValues] = useState<Record<string, string>>(() => {
    const content = (template?.content ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.values(SETTINGS).flat().map((s) => [s.key, String(content[s.key] ?? s.fallback)]));
  });
  const [created, create] = useMutation(DashboardCreateTemplateDocument);
  const [updated, update] = useMutation(DashboardUpdateTemplateDocument);
  const errors = formErrors(created.error ?? updated.error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const content = Object.fromEntries(
      SETTINGS[type].map((setting) => [setting.key, setting.kind === "number" ? Number(values[setting.key]) : values[setting.key]]),
    );
    const result = template ? await update({ input: { id: template.id, name, content } }) : await create({ input: { name, type, content } });
    if (!result.error) onDone();
  }

  return (
    <form className="panel" onSubmit={submit} aria-label={template ? `Edit ${template.name}` : "New template"}>
      <h2 style={{ marginTop: 0 }}>{template ? `Edit “${template.name}”` : "New template"}</h2>
      <label htmlFor="template-name">Name</label>
      <input id="template-name" type="text" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={Boolean(errors.fields.name)} />
      {errors.fields.name ? <p className="field-error">{errors.fields.name}</p> : null}
      <label htmlFor="template-type">Format</label>
      <select id="template-type" value={type} onChange={(e) => setType(e.target.value as OutputFormat)} disabled={Boolean(template)}>
        {(Object.keys(SETTINGS) as OutputFormat[]).map((format) => <option key={format} value={format}>{FORMAT_LABELS[format]}</option>)}
      </select>
      {SETTINGS[type].map((setting) => (
        <div key={setting.key}>
          <label htmlFor={`template-${setting.key}`}>{setting.label}</label>
          <input
            id={`template-${setting.key}`}
            type={setting.kind === "number" ? "number" : "text"}
            min={setting.min}
            max={setting.max}
            value={values[setting.key] ?? ""}
            onChange={(e) => setValues({ ...values, [setting.key]: e.target.value })}
          />
          {errors.fields[`content.${setting.key}`] ? <p className="field-error">{errors.fields[`content.${setting.key}`]}</p> : null}
        </div>
      ))}
      {errors.form || errors.fields.content ? <p className="error" role="alert">{errors.form ?? errors.fields.content}</p> : null}
      <div className="row" style={{ marginTop: "1rem" }}>
        <button type="submit" disabled={created.fetching || updated.fetching}>{template ? "Save template" : "Create template"}</button>
        <button type="button" className="secondary" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}
