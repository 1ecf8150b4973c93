/**
 * The assignment view: an assignment notebook opens as a page that is only the assignment.
 *
 * What it is: a document widget ("Assignment") for the notebook file type, the default one,
 * over the same notebook model as the notebook editor. It shows the case text (the markdown
 * cells, rendered), each form drawn from its key-free description in the cell's metadata
 * (`ipt.form`, written at release; ./render.ts), each written answer as a labelled text box,
 * and a hand-in panel. There is no notebook under it, so no key pressed anywhere in the page
 * can change a cell's type, insert or delete a cell; no code is shown and no kernel starts.
 *
 * How it is picked: the widget factory is the default for notebooks, with no kernel; when the
 * file loads, a notebook without a described form cell (anything but a released assignment:
 * an instructor's source, any other notebook) is handed to the notebook editor at once (the
 * view closes and `docmanager:open` opens it with the Notebook factory; on Notebook 7 the page
 * goes to /notebooks/...?factory=Notebook). So every way of opening a file — the file
 * browser, nbgrader's Assignments panel (`docmanager:open`), a /lab/tree/ or /notebooks/ URL —
 * shows assignments in the view; Open With ▸ Notebook still gives the notebook.
 *
 * Saving: every change is written into the notebook model at once (the form cell's `answer=`
 * literal by ./record.ts's rule, the written answer's markdown source), which marks the
 * document modified; Ctrl+S and autosave save it, and the page saves a moment after each change.
 */
import { ILabShell, ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ABCWidgetFactory, DocumentRegistry, DocumentWidget } from '@jupyterlab/docregistry';
import { INotebookModel, INotebookWidgetFactory } from '@jupyterlab/notebook';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { Answer, readAnswer, toLiteral, withLiteral } from './record';
import { effectivePoints, el, FormDescription, pointsText, RenderedForm } from './render';

export const FACTORY = 'Assignment';
/** nbgrader's command that opens the Assignments panel. */
const OPEN_ASSIGNMENTS = 'nbgrader:open-assignment-list';
/** How long after the last change the page saves by itself (ms). */
const SAVE_DELAY = 800;
/** nbgrader's stub for a written answer starts with this (ClearSolutions.text_stub). */
const STUB = 'YOUR ANSWER HERE';

type SharedCell = INotebookModel['sharedModel']['cells'][number];

/** A cell's metadata `ipt.form`, when it is a described form cell. */
export function formOf(cell: SharedCell): FormDescription | null {
  if (cell.cell_type !== 'code') {
    return null;
  }
  const ipt = cell.getMetadata('ipt') as { form?: FormDescription } | undefined;
  const form = ipt?.form;
  return form && form.version === 1 && Array.isArray(form.questions) && form.record ? form : null;
}

/** Whether a notebook is an assignment as release made it (a form cell with a description). */
export function isAssignment(model: INotebookModel): boolean {
  return model.sharedModel.cells.some(cell => formOf(cell) !== null);
}

function nbgraderOf(cell: SharedCell): { [k: string]: unknown } {
  return (cell.getMetadata('nbgrader') as { [k: string]: unknown } | undefined) ?? {};
}

/** A markdown cell the student writes in (nbgrader: a manually graded solution cell). */
function isWritten(cell: SharedCell): boolean {
  const nb = nbgraderOf(cell);
  return cell.cell_type === 'markdown' && nb.solution === true;
}

function isStub(text: string): boolean {
  return text.trim() === '' || text.trim().startsWith(STUB);
}

function headingOf(text: string): string | null {
  for (const line of text.split('\n')) {
    const m = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) {
      return m[1].replace(/[*_`]/g, '').trim();
    }
  }
  return null;
}

interface ShownForm {
  cell: SharedCell;
  description: FormDescription;
  form: RenderedForm;
  section: HTMLElement;
  status: HTMLElement;
  broken: boolean;
  /** the cell's source as this page last wrote or read it */
  source: string;
}

interface ShownWritten {
  cell: SharedCell;
  box: HTMLTextAreaElement;
  label: string;
  stub: string;
}

let pages = 0;

/** The page: case text, forms, written answers, hand-in panel. */
export class AssignmentPage extends Widget {
  private forms: ShownForm[] = [];
  private written: ShownWritten[] = [];
  private checklist!: HTMLElement;
  private saveState!: HTMLElement;
  private saveTimer: number | undefined;
  private readonly base = `ipt-view-${++pages}`;
  private watching = false;
  /** true while this page writes a cell (its own change is not news to it) */
  private writing = false;

  constructor(private context: DocumentRegistry.IContext<INotebookModel>,
              private rendermime: IRenderMimeRegistry, private app: JupyterFrontEnd) {
    super({ node: document.createElement('div') });
    this.addClass('ipt-AssignmentView');
    this.node.tabIndex = -1;
    this.node.appendChild(el('p', 'ipt-view-loading', 'Opening the assignment…'));
    context.model.stateChanged.connect((_, change) => {
      if (change.name === 'dirty') {
        this.showSaved();
      }
    });
  }

  /** Draw the page from the loaded notebook. */
  async draw(): Promise<void> {
    const model = this.context.model;
    this.forms = [];
    this.written = [];
    if (!this.watching) {
      this.watching = true;
      // the file reverted or reloaded: its cells are new objects; draw the page again
      model.sharedModel.changed.connect((_, change) => {
        if (change.cellsChange && !this.isDisposed) {
          void this.draw();
        }
      });
    }
    const page = el('main', 'ipt-view-page');
    page.setAttribute('aria-label', 'Assignment');
    const cells = model.sharedModel.cells;
    const rendering: Promise<void>[] = [];
    let heading: string | null = null;
    let writtenCount = 0;
    cells.forEach((cell, index) => {
      const description = formOf(cell);
      if (description) {
        page.appendChild(this.drawForm(cell, description));
        return;
      }
      if (cell.cell_type !== 'markdown') {
        return; // code (the setup, hidden tests, the hand-in check) and raw cells: not shown
      }
      const text = cell.getSource();
      if (isWritten(cell)) {
        writtenCount++;
        page.appendChild(this.drawWritten(cell, heading ?? `Written answer ${writtenCount}`));
        return;
      }
      const next = cells[index + 1];
      if (next && next.cell_type === 'code' && next.getSource().includes('handin_check(')) {
        return; // "run the cell below": the hand-in panel does this here
      }
      heading = headingOf(text) ?? heading;
      const holder = el('div', 'ipt-view-text');
      page.appendChild(holder);
      rendering.push(this.renderMarkdown(text, holder));
    });
    page.appendChild(this.drawHandin());
    this.node.replaceChildren(page);
    this.update();
    await Promise.all(rendering);
  }

  private async renderMarkdown(text: string, holder: HTMLElement): Promise<void> {
    const renderer = this.rendermime.createRenderer('text/markdown');
    await renderer.renderModel(new MimeModel({ data: { 'text/markdown': text }, trusted: false }));
    holder.appendChild(renderer.node);
  }

  private drawForm(cell: SharedCell, description: FormDescription): HTMLElement {
    const index = this.forms.length;
    const section = el('section', 'ipt-view-form');
    section.dataset.form = description.id;
    const titleId = `${this.base}-f${index}-title`;
    section.setAttribute('aria-labelledby', titleId);
    const title = el('h2', 'ipt-view-form-title', description.title);
    title.id = titleId;
    section.appendChild(title);
    const form = new RenderedForm(description, {
      prefix: 'ipt-view', idBase: `${this.base}-f${index}`,
      // the points grading counts the question out of, for the answers now given (a question
      // that does not apply gives its points to the one it depends on)
      points: (q, answer) => q.kind === 'Text' ? ''
        : ` (${pointsText(effectivePoints(description.questions, answer)[q.id] || q.points)})`,
      onChange: () => this.record(shown)
    });
    section.appendChild(form.node);
    const status = el('p', 'ipt-view-form-status');
    section.appendChild(status);
    const { answer, ok } = readAnswer(cell.getSource(), description.record!);
    form.set(answer);
    const shown: ShownForm = { cell, description, form, section, status, broken: !ok,
                               source: cell.getSource() };
    if (!ok) {
      section.querySelectorAll('input, select, textarea').forEach(c => ((c as HTMLInputElement).disabled = true));
      const note = el('p', 'ipt-view-problem', 'This form cannot be answered here: its cell in the ' +
        'notebook was changed. Ask your instructor for a fresh copy of the assignment.');
      note.setAttribute('role', 'alert');
      section.insertBefore(note, form.node);
    }
    this.forms.push(shown);
    cell.changed.connect(() => {
      if (this.writing || cell.getSource() === shown.source) {
        return;
      }
      shown.source = cell.getSource();
      const again = readAnswer(shown.source, description.record!);
      shown.broken = !again.ok;
      form.set(again.answer);
      this.update();
    });
    return section;
  }

  private drawWritten(cell: SharedCell, heading: string): HTMLElement {
    const index = this.written.length;
    const box = el('div', 'ipt-view-written');
    const id = `${this.base}-w${index}`;
    const label = el('label', 'ipt-view-written-label', `Your written answer: ${heading}`);
    label.htmlFor = id;
    const area = el('textarea', 'ipt-view-written-box');
    area.id = id;
    area.rows = 10;
    const text = cell.getSource();
    const stub = isStub(text) ? text : STUB;
    area.value = isStub(text) ? '' : text;
    const shown: ShownWritten = { cell, box: area, label: heading, stub };
    area.addEventListener('input', () => {
      const value = area.value;
      const source = value.trim() === '' ? shown.stub : value;
      if (cell.getSource() !== source) {
        this.write(cell, source);
        this.changed();
      }
    });
    cell.changed.connect(() => {
      const text = cell.getSource();
      if (!this.writing && text !== (area.value.trim() === '' ? shown.stub : area.value)) {
        area.value = isStub(text) ? '' : text;
        this.update();
      }
    });
    box.append(label, area);
    this.written.push(shown);
    return box;
  }

  private drawHandin(): HTMLElement {
    const section = el('section', 'ipt-view-handin');
    const titleId = `${this.base}-handin`;
    section.setAttribute('aria-labelledby', titleId);
    const title = el('h2', undefined, 'Before you hand in');
    title.id = titleId;
    this.checklist = el('div', 'ipt-view-checklist');
    this.saveState = el('p', 'ipt-view-save');
    this.saveState.setAttribute('role', 'status');
    const save = el('button', 'ipt-view-button', 'Save now');
    save.type = 'button';
    save.addEventListener('click', () => void this.save());
    const how = el('div', 'ipt-view-submit');
    if (this.app.commands.hasCommand(OPEN_ASSIGNMENTS)) {
      how.appendChild(el('p', undefined, 'To hand in: save, then open the Assignments panel ' +
        '(Course menu ▸ Assignments), find this assignment under “Downloaded assignments” and ' +
        'press Submit. You can submit again until the deadline; the last submission counts.'));
      const open = el('button', 'ipt-view-button', 'Open the Assignments panel');
      open.type = 'button';
      open.addEventListener('click', () => void this.app.commands.execute(OPEN_ASSIGNMENTS));
      how.appendChild(open);
    } else {
      how.appendChild(el('p', undefined, 'To hand in: save, then hand in this file ' +
        `(${this.context.path.split('/').pop()}) the way your course asks, for example by ` +
        'uploading it to the course page (File ▸ Download saves a copy on your computer).'));
    }
    section.append(title, this.checklist, this.saveState, save, how);
    return section;
  }

  /** A form changed: write its answer into its cell (the one rule), then check and save. */
  private record(shown: ShownForm): void {
    if (shown.broken) {
      return;
    }
    const answer: Answer = shown.form.read();
    const order = shown.description.questions.map(q => q.id);
    const source = withLiteral(shown.description.record!, toLiteral(answer, order));
    if (shown.cell.getSource() !== source) {
      this.write(shown.cell, source);
    }
    shown.source = source;
    this.changed();
  }

  private write(cell: SharedCell, source: string): void {
    this.writing = true;
    try {
      cell.setSource(source);
    } finally {
      this.writing = false;
    }
  }

  private changed(): void {
    this.update();
    window.clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => void this.save(), SAVE_DELAY);
  }

  async save(): Promise<void> {
    window.clearTimeout(this.saveTimer);
    if (this.context.model.dirty) {
      this.saveState.textContent = 'Saving…';
      await this.context.save();
    }
    this.showSaved();
  }

  private showSaved(): void {
    if (!this.saveState) {
      return;
    }
    this.saveState.textContent = this.context.model.dirty
      ? 'Not saved yet: your latest answers are saved a moment after each change, or now with Ctrl+S.'
      : 'Saved: every answer on this page is in the notebook file.';
    this.saveState.dataset.state = this.context.model.dirty ? 'unsaved' : 'saved';
  }

  /** The hand-in check: what is unanswered, empty or unsaved, in words. */
  protected onUpdateRequest(): void {
    if (!this.checklist) {
      return;
    }
    const list = el('ul');
    let open = 0;
    for (const shown of this.forms) {
      const missing = shown.form.unanswered();
      const warnings = shown.form.warnings();
      const numbers = missing.map(([n]) => n);
      shown.status.textContent = shown.broken ? 'Cannot be answered here.'
        : missing.length ? `Not answered yet: question${numbers.length > 1 ? 's' : ''} ${numbers.join(', ')}.`
        : 'Every question is answered.';
      if (warnings.length) {
        shown.status.textContent += ' Check ' + warnings.join(' ');
      }
      if (missing.length || shown.broken) {
        open++;
        const item = el('li');
        const go = el('button', 'ipt-view-link', `${shown.description.title}: ` + (shown.broken
          ? 'cannot be answered here'
          : `question${numbers.length > 1 ? 's' : ''} ${numbers.join(', ')} not answered`));
        go.type = 'button';
        go.addEventListener('click', () => {
          if (missing.length) {
            shown.form.focus(missing[0][1].id);
          }
        });
        item.appendChild(go);
        list.appendChild(item);
      }
    }
    for (const shown of this.written) {
      if (shown.box.value.trim() === '') {
        open++;
        const item = el('li');
        const go = el('button', 'ipt-view-link', `Written answer “${shown.label}”: empty`);
        go.type = 'button';
        go.addEventListener('click', () => shown.box.focus());
        item.appendChild(go);
        list.appendChild(item);
      }
    }
    const summary = el('p', 'ipt-view-summary', open
      ? `${open} part${open > 1 ? 's are' : ' is'} not finished:`
      : 'Every question and written answer is done.');
    summary.dataset.state = open ? 'open' : 'done';
    this.checklist.replaceChildren(summary, ...(open ? [list] : []));
    this.showSaved();
  }
}

/** The document widget (the tab): the page over the notebook's context. */
export class AssignmentView extends DocumentWidget<AssignmentPage, INotebookModel> {}

export class AssignmentFactory extends ABCWidgetFactory<AssignmentView, INotebookModel> {
  constructor(options: DocumentRegistry.IWidgetFactoryOptions<AssignmentView>,
              private rendermime: IRenderMimeRegistry, private app: JupyterFrontEnd,
              private labShell: ILabShell | null) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.IContext<INotebookModel>): AssignmentView {
    const content = new AssignmentPage(context, this.rendermime, this.app);
    const view = new AssignmentView({ content, context });
    view.addClass('ipt-AssignmentPanel');
    view.title.caption = `${context.path} (assignment)`;
    void context.ready.then(async () => {
      if (view.isDisposed) {
        return;
      }
      if (!isAssignment(context.model)) {
        this.toNotebook(view, context.path);
        return;
      }
      if (this.labShell && window.innerWidth < 700) {
        // a phone: the file browser would cover the page (JupyterLab leaves ~57 px of it)
        this.labShell.collapseLeft();
        this.labShell.collapseRight();
      }
      await content.draw();
    });
    return view;
  }

  /** Not an assignment: open it in the notebook editor instead. */
  private toNotebook(view: AssignmentView, path: string): void {
    const page = PageConfig.getOption('notebookPage');
    if (page && !this.labShell) {
      // Notebook 7: this page shows one document; show the notebook on its own page
      const url = URLExt.join(PageConfig.getBaseUrl(), 'notebooks', URLExt.encodeParts(path));
      window.location.replace(`${url}?factory=Notebook`);
      return;
    }
    view.dispose();
    void this.app.commands.execute('docmanager:open', { path, factory: 'Notebook' });
  }
}

/** Registers the view as the default for notebooks (after the notebook editor's own factory). */
export const assignmentView: JupyterFrontEndPlugin<void> = {
  id: 'ipt-forms:assignment-view',
  description: 'Assignment notebooks open as a page of questions, not as a notebook.',
  autoStart: true,
  requires: [IRenderMimeRegistry, INotebookWidgetFactory],
  optional: [ILabShell, ILayoutRestorer],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry, _notebooks: unknown,
             labShell: ILabShell | null, restorer: ILayoutRestorer | null) => {
    const factory = new AssignmentFactory({
      name: FACTORY,
      label: 'Assignment',
      fileTypes: ['notebook'],
      defaultFor: ['notebook'],
      modelName: 'notebook',
      preferKernel: false,
      canStartKernel: false,
      shutdownOnClose: false
    }, rendermime, app, labShell);
    app.docRegistry.addWidgetFactory(factory);
    const tracker = new WidgetTracker<AssignmentView>({ namespace: 'ipt-assignment' });
    factory.widgetCreated.connect((_, widget) => {
      widget.context.pathChanged.connect(() => void tracker.save(widget));
      void tracker.add(widget);
    });
    if (restorer) {
      void restorer.restore(tracker, {
        command: 'docmanager:open',
        args: widget => ({ path: widget.context.path, factory: FACTORY }),
        name: widget => widget.context.path
      });
    }
  }
};
