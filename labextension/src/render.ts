/**
 * Draws a form's questions as native, accessible HTML controls, from its key-free description
 * (ipt_helpers/forms/form-description.schema.json). No JupyterLab here: only the DOM, so the
 * assignment view (./view.ts) and any page can use it.
 *
 * The one renderer of the book's practice forms (book/_static/practice.js) and the view: a
 * fieldset per question with its prompt as the legend, radios (one group per question: one Tab
 * stop, arrows move within it only), checkboxes, and labelled drop-downs; a conditional
 * question (`when`) is hidden while it does not apply, and only the questions shown are
 * numbered. The prefix of the class names is the caller's (`practice` in the book, `ipt-view`
 * in the assignment view).
 *
 * The book loads the compiled lib/render.js as a classic script (book/_ext/practice.py wraps
 * it: module scripts do not load from file:// pages), so this module imports nothing at run
 * time (types only).
 */
import type { Answer, Value } from './record';

export interface Choice {
  label: string;
  key: string;
}

export interface QuestionDescription {
  id: string;
  kind: 'Single' | 'Multi' | 'Order' | 'Sort' | 'Text';
  prompt: string;
  points: number;
  when?: { [question: string]: string[] };
  options?: Choice[];
  items?: Choice[];
  categories?: Choice[];
  multiple?: boolean;
  placeholder?: string;
}

export interface FormDescription {
  version: number;
  id: string;
  title: string;
  questions: QuestionDescription[];
  record?: { before: string; after: string };
}

export interface RenderOptions {
  /** class-name prefix: `${prefix}-q`, `${prefix}-option`, ... */
  prefix: string;
  /** a prefix for element ids, unique in the page */
  idBase: string;
  /**
   * the text after a question's prompt, e.g. " (2 points)" ("" for none); asked again after
   * every change with the answer then recorded (a page whose points depend on the answers, as
   * the book's do, says so there); a question whose text is "" when drawn gets no such span
   */
  points?: (q: QuestionDescription, answer: Answer) => string;
  /** the label of a Text question's box */
  textLabel?: string;
  /**
   * the note under a conditional question's prompt; `chosen` has one entry per condition, its
   * answers quoted and joined by "or" (default: "Asked because you chose … above.")
   */
  whenNote?: (q: QuestionDescription, chosen: string[]) => string;
  /** called with each question's fieldset once it is drawn, to add what a page needs to it */
  addToQuestion?: (q: QuestionDescription, fieldset: HTMLFieldSetElement) => void;
  /** called after every change a person makes */
  onChange?: () => void;
}

/** Python's `format(x, "g")` for the small numbers points are. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

export function pointsText(points: number): string {
  return `${formatNumber(points)} point${points === 1 ? '' : 's'}`;
}

/** A question's value when nothing is chosen (what a question that does not apply records). */
export function emptyValue(q: QuestionDescription): Value {
  switch (q.kind) {
    case 'Single':
      return null;
    case 'Multi':
      return [];
    case 'Order':
      return (q.items ?? []).map(() => null);
    case 'Sort': {
      const out: { [item: string]: Value } = {};
      (q.items ?? []).forEach(item => (out[item.key] = q.multiple ? [] : null));
      return out;
    }
    default:
      return '';
  }
}

export function isEmpty(q: QuestionDescription, value: Value | undefined): boolean {
  if (value === null || value === undefined || value === '') {
    return true;
  }
  if (Array.isArray(value)) {
    return value.every(v => v === null) || value.length === 0;
  }
  if (typeof value === 'object') {
    return Object.keys(value).every(k => {
      const v = value[k];
      return v === null || (Array.isArray(v) && v.length === 0);
    });
  }
  return false;
}

/** Whether every condition of `q.when` holds (scoring.applies: the answer is one of those named). */
export function applies(q: QuestionDescription, answers: Answer): boolean {
  return Object.keys(q.when ?? {}).every(target =>
    (q.when as { [k: string]: string[] })[target].some(allowed => answers[target] === allowed));
}

/**
 * The answers with every question that does not apply set to its empty value, in question
 * order (so a question behind a cleared one is cleared too): what is recorded.
 */
export function clearInapplicable(questions: QuestionDescription[], answers: Answer): Answer {
  const out: Answer = {};
  for (const q of questions) {
    out[q.id] = answers[q.id] === undefined ? emptyValue(q) : answers[q.id];
  }
  for (const q of questions) {
    if (!applies(q, out)) {
      out[q.id] = emptyValue(q);
    }
  }
  return out;
}

/**
 * Each scored question's points for these answers (scoring.effective_points): a question that
 * does not apply gives its points to the question its first condition names (followed up the
 * chain while that one does not apply either) and counts 0. Written (Text) questions are not
 * scored and are left out.
 */
export function effectivePoints(questions: QuestionDescription[], answers: Answer):
    { [id: string]: number } {
  const scored = questions.filter(q => q.kind !== 'Text');
  const byId = new Map(scored.map(q => [q.id, q]));
  const recorded = clearInapplicable(questions, answers);
  const apply = new Map(scored.map(q => [q.id, applies(q, recorded)]));
  const points: { [id: string]: number } = {};
  scored.forEach(q => (points[q.id] = Number(q.points)));
  for (const q of scored) {
    if (apply.get(q.id)) {
      continue;
    }
    let target = q.id;
    const seen = new Set([q.id]);
    while (byId.has(target) && !apply.get(target)) {
      const next = Object.keys(byId.get(target)!.when ?? {})[0];
      if (next === undefined || seen.has(next) || !byId.has(next)) {
        break;
      }
      seen.add(next);
      target = next;
    }
    if (target !== q.id && byId.has(target)) {
      points[target] += points[q.id];
    }
    points[q.id] = 0;
  }
  return points;
}

/** A new element with a class and text (the one helper both pages build their HTML with). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string):
    HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (cls) {
    node.className = cls;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-');
}

interface Drawn {
  q: QuestionDescription;
  fieldset: HTMLFieldSetElement;
  number: HTMLSpanElement;
  points: HTMLSpanElement | null;
  read: () => Value;
  set: (value: Value) => void;
  first: () => HTMLElement | null;
}

/** A form's questions, drawn; `read` gives the answer to record. */
export class RenderedForm {
  readonly node: HTMLElement;
  private drawn: Drawn[] = [];

  constructor(readonly description: FormDescription, private options: RenderOptions) {
    this.node = el('div', `${options.prefix}-questions`);
    const empty = clearInapplicable(description.questions, {});
    for (const q of description.questions) {
      const d = this.draw(q, empty);
      this.drawn.push(d);
      this.node.appendChild(d.fieldset);
    }
    this.node.addEventListener('change', () => this.changed());
    this.node.addEventListener('input', event => {
      if ((event.target as Element).matches('textarea')) {
        this.changed();
      }
    });
    this.refresh();
  }

  private changed(): void {
    this.refresh();
    this.options.onChange?.();
  }

  /** Show the answer recorded (unknown options and malformed values are left unchosen). */
  set(answer: Answer | null): void {
    for (const d of this.drawn) {
      const value = answer ? answer[d.q.id] : undefined;
      d.set(value === undefined ? emptyValue(d.q) : value);
    }
    this.refresh();
  }

  /** The answer to record: every question in order, those that do not apply empty. */
  read(): Answer {
    const raw: Answer = {};
    this.drawn.forEach(d => (raw[d.q.id] = d.read()));
    return clearInapplicable(this.description.questions, raw);
  }

  /**
   * Hide the questions that do not apply (clearing their controls), number the others, and
   * say each question's points for the answer now recorded.
   */
  refresh(): void {
    const raw: Answer = {};
    this.drawn.forEach(d => (raw[d.q.id] = d.read()));
    const answer = clearInapplicable(this.description.questions, raw);
    let n = 0;
    for (const d of this.drawn) {
      const shown = applies(d.q, answer);
      if (!shown && !isEmpty(d.q, raw[d.q.id])) {
        d.set(emptyValue(d.q));
      }
      d.fieldset.hidden = !shown;
      d.number.textContent = shown ? `${++n}. ` : '';
      if (d.points && this.options.points) {
        const text = this.options.points(d.q, answer);
        if (d.points.textContent !== text) {
          d.points.textContent = text;
        }
      }
    }
  }

  /** The questions that apply and are not answered: [shown number, question]. */
  unanswered(): [number, QuestionDescription][] {
    const answer = this.read();
    const out: [number, QuestionDescription][] = [];
    let n = 0;
    for (const d of this.drawn) {
      if (!applies(d.q, answer)) {
        continue;
      }
      n++;
      if (isEmpty(d.q, answer[d.q.id])) {
        out.push([n, d.q]);
      }
    }
    return out;
  }

  /** Move the focus to a question's first control. */
  focus(id: string): void {
    const d = this.drawn.find(x => x.q.id === id);
    d?.first()?.focus();
  }

  /** Problems a person should see now (e.g. an item used in two steps). */
  warnings(): string[] {
    const out: string[] = [];
    const answer = this.read();
    for (const q of this.description.questions) {
      if (q.kind !== 'Order' || !applies(q, answer)) {
        continue;
      }
      const chosen = (answer[q.id] as (string | null)[]).filter(v => v !== null);
      if (chosen.length !== new Set(chosen).size) {
        out.push(`“${q.prompt}”: an item is used in more than one step.`);
      } else if (chosen.length && chosen.length < (q.items ?? []).length) {
        out.push(`“${q.prompt}”: some steps are still empty.`);
      }
    }
    return out;
  }

  private draw(q: QuestionDescription, empty: Answer): Drawn {
    const p = this.options.prefix;
    const qid = `${this.options.idBase}-${slug(q.id)}`;
    const fieldset = el('fieldset', `${p}-q`);
    fieldset.dataset.q = q.id;
    fieldset.dataset.kind = q.kind;
    const legend = el('legend');
    const number = el('span', `${p}-n`);
    legend.append(number, document.createTextNode(q.prompt));
    const pts = this.options.points ? this.options.points(q, empty) : '';
    const points = pts ? el('span', `${p}-points`, pts) : null;
    if (points) {
      legend.appendChild(points);
    }
    fieldset.appendChild(legend);
    if (q.when) {
      const parts = Object.keys(q.when).map(target => {
        const other = this.description.questions.find(o => o.id === target);
        const label = (key: string) => other?.options?.find(o => o.key === key)?.label ?? key;
        return (q.when as { [k: string]: string[] })[target].map(a => `“${label(a)}”`).join(' or ');
      });
      const note = this.options.whenNote ? this.options.whenNote(q, parts)
        : `Asked because you chose ${parts.join(' and ')} above.`;
      fieldset.appendChild(el('p', `${p}-when`, note));
    }
    const choice = (type: 'radio' | 'checkbox', choices: Choice[], name: string, id: string) => {
      const box = el('div', `${p}-options`);
      const inputs = choices.map((c, i) => {
        const row = el('div', `${p}-option`);
        const input = el('input');
        input.type = type;
        input.id = `${id}-${i}`;
        input.name = name;
        input.value = c.key;
        const label = el('label', undefined, c.label);
        label.htmlFor = input.id;
        row.append(input, label);
        box.appendChild(row);
        return input;
      });
      return { box, inputs };
    };
    const select = (id: string, labelText: string, choices: Choice[], parent: HTMLElement) => {
      const row = el('div', `${p}-row`);
      const label = el('label', undefined, labelText);
      label.htmlFor = id;
      const sel = el('select');
      sel.id = id;
      const none = el('option', undefined, '—');
      none.value = '';
      sel.appendChild(none);
      choices.forEach(c => {
        const o = el('option', undefined, c.label);
        o.value = c.key;
        sel.appendChild(o);
      });
      row.append(label, sel);
      parent.appendChild(row);
      return sel;
    };
    const pick = (sel: HTMLSelectElement, value: Value) => {
      const ok = typeof value === 'string' && Array.from(sel.options).some(o => o.value === value);
      sel.value = ok ? (value as string) : '';
    };
    let read: () => Value;
    let set: (value: Value) => void;
    let first: () => HTMLElement | null;
    if (q.kind === 'Single' || q.kind === 'Multi') {
      const { box, inputs } = choice(q.kind === 'Single' ? 'radio' : 'checkbox', q.options ?? [],
                                     qid, qid);
      fieldset.appendChild(box);
      if (q.kind === 'Single') {
        read = () => inputs.find(i => i.checked)?.value ?? null;
        set = v => inputs.forEach(i => (i.checked = i.value === v));
        first = () => inputs.find(i => i.checked) ?? inputs[0] ?? null;
      } else {
        read = () => inputs.filter(i => i.checked).map(i => i.value);
        set = v => inputs.forEach(i => (i.checked = Array.isArray(v) && v.includes(i.value)));
        first = () => inputs[0] ?? null;
      }
    } else if (q.kind === 'Order') {
      const box = el('div', `${p}-steps`);
      const sels = (q.items ?? []).map((_, i) => select(`${qid}-${i}`, `Step ${i + 1}`, q.items ?? [], box));
      fieldset.appendChild(box);
      read = () => sels.map(s => s.value || null);
      set = v => sels.forEach((s, i) => pick(s, Array.isArray(v) ? v[i] ?? null : null));
      first = () => sels[0] ?? null;
    } else if (q.kind === 'Sort' && !q.multiple) {
      const box = el('div', `${p}-steps`);
      const sels = (q.items ?? []).map((item, i) => {
        const s = select(`${qid}-${i}`, item.label, q.categories ?? [], box);
        s.dataset.item = item.key;
        return s;
      });
      fieldset.appendChild(box);
      read = () => {
        const out: { [k: string]: Value } = {};
        (q.items ?? []).forEach((item, i) => (out[item.key] = sels[i].value || null));
        return out;
      };
      set = v => (q.items ?? []).forEach((item, i) =>
        pick(sels[i], v && typeof v === 'object' && !Array.isArray(v) ? v[item.key] ?? null : null));
      first = () => sels[0] ?? null;
    } else if (q.kind === 'Sort') {
      const groups = (q.items ?? []).map((item, i) => {
        const fs = el('fieldset', `${p}-item`);
        fs.dataset.item = item.key;
        fs.appendChild(el('legend', undefined, item.label));
        const { box, inputs } = choice('checkbox', q.categories ?? [], `${qid}-${i}`, `${qid}-${i}`);
        fs.appendChild(box);
        fieldset.appendChild(fs);
        return inputs;
      });
      read = () => {
        const out: { [k: string]: Value } = {};
        (q.items ?? []).forEach((item, i) =>
          (out[item.key] = groups[i].filter(b => b.checked).map(b => b.value)));
        return out;
      };
      set = v => (q.items ?? []).forEach((item, i) => {
        const got = v && typeof v === 'object' && !Array.isArray(v) ? v[item.key] : null;
        groups[i].forEach(b => (b.checked = Array.isArray(got) && got.includes(b.value)));
      });
      first = () => groups[0]?.[0] ?? null;
    } else {
      const id = `${qid}-text`;
      const label = el('label', `${p}-text-label`, this.options.textLabel ?? 'Your answer');
      label.htmlFor = id;
      const box = el('textarea');
      box.id = id;
      box.rows = 4;
      if (q.placeholder) {
        box.placeholder = q.placeholder;
      }
      fieldset.append(label, box);
      read = () => box.value;
      set = v => (box.value = typeof v === 'string' ? v : '');
      first = () => box;
    }
    this.options.addToQuestion?.(q, fieldset);
    return { q, fieldset, number, points, read, set, first };
  }
}
