/**
 * ipt-forms: the IPT curriculum's forms in JupyterLab 4 and Notebook 7.
 *
 * - Records a form's answer into its own cell as soon as a control changes. The kernel
 *   composes the new cell source (ipt_helpers.forms.recording.rewrite_answer, the one rewrite)
 *   and writes it into a hidden element of the form (`.ipt-record`); this extension finds
 *   the cell whose output holds that element and sets its source through the notebook
 *   model, which marks the notebook modified (save and autosave keep it).
 * - Marks every form control with `data-lm-suppress-shortcuts`, so keys typed into a form
 *   do what they do in a web form (Lumino stops looking for shortcuts at that node).
 * - Keys pressed after a click anywhere in a form's output (a blank area, the title, the status
 *   line; not only a control) change no cell: the click leaves the notebook focused in command
 *   mode, where `m`, `a`, `b`, `d d`, arrows and Enter edit cells, so those keys are stopped
 *   before JupyterLab sees them (Tab and Shift+Tab still move the focus; Ctrl+S saves).
 * - Each question's radio buttons form one group (a shared `name`): one Tab stop per question,
 *   and the arrow keys move and wrap within it (ipywidgets draws them without a name, so
 *   ArrowDown ran on into the next question and changed its answer).
 * - Marks each form `ipt-auto`, so the form's text says answers record themselves.
 * - Shift+Enter on the last cell of a notebook with forms runs it without adding a cell.
 * - Students reach nbgrader's Assignments panel from a "Course" menu and the palette
 *   (./assignments.ts), though nbgrader's own menu, with the instructor's tools, is hidden.
 * - Opening a notebook does not mark it modified: when the kernel's language_info is the
 *   only difference from the file as loaded, the notebook stays unmodified.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { JSONExt, PartialJSONObject } from '@lumino/coreutils';

import { assignments } from './assignments';
import { assignmentView } from './view';

const CONTROLS = 'select, input, textarea, button, [tabindex]';
const RUN_IN_PLACE = 'ipt-forms:run-cell-and-select-next';

/** The last record each carrier element showed (so a record is applied once, on change). */
const seen = new WeakMap<Element, string>();
/** Radio groups named so far (a name unique in the page for each question's radios). */
let groups = 0;

function suppress(root: ParentNode): void {
  root.querySelectorAll('.ipt-form').forEach(form => {
    form.classList.add('ipt-auto');
    form.querySelectorAll(CONTROLS).forEach(control => {
      if (!control.hasAttribute('data-lm-suppress-shortcuts')) {
        control.setAttribute('data-lm-suppress-shortcuts', 'true');
      }
    });
    groupRadios(form);
  });
}

/**
 * Give each radio box's radios one shared name, so the browser treats them as one group (the
 * WAI-ARIA radio group: one Tab stop, arrows move and wrap within it, checking as they go).
 * ipywidgets redraws the radios when the options change: new ones get the box's name too.
 */
function groupRadios(form: Element): void {
  form.querySelectorAll('.widget-radio-box, .jupyter-widget-radio-box').forEach(box => {
    let name = box.getAttribute('data-ipt-group');
    if (!name) {
      name = `ipt-radio-${++groups}`;
      box.setAttribute('data-ipt-group', name);
    }
    box.querySelectorAll('input[type="radio"]').forEach(radio => {
      if (radio.getAttribute('name') !== name) {
        radio.setAttribute('name', name as string);
      }
    });
  });
}

/** The output area (of the cell) that shows a form, if ``target`` is in one. */
function formOutput(target: Element): Element | null {
  const area = target.closest('.jp-Cell-outputArea, .jp-OutputArea');
  return area && area.querySelector('.ipt-form') ? area : null;
}

type Cell = NotebookPanel['content']['widgets'][number];

/** The form cell a pointer last went down in (its output, outside the controls too). */
let clicked: { panel: NotebookPanel; cell: Cell } | null = null;

function isSave(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's';
}

/**
 * Whether a key belongs to a form rather than to the notebook: its target is in a form's
 * output (but not a control, whose keys are its own), or, since the pointer last went down in
 * a form's output, the focus has stayed on that cell or the notebook around it in command mode
 * (a click on a form's blank area, title or status line focuses the cell, not the form).
 */
function keyForForm(target: Element, tracker: INotebookTracker): NotebookPanel | null {
  if (target.closest('.ipt-form') && target.matches(CONTROLS)) {
    return null;
  }
  if (formOutput(target)) {
    return tracker.find(panel => panel.node.contains(target)) || null;
  }
  if (!clicked || clicked.cell.isDisposed || clicked.panel.isDisposed) {
    return null;
  }
  const onCell = clicked.cell.node.contains(target) || target.contains(clicked.cell.node);
  return onCell && clicked.panel.content.mode === 'command' ? clicked.panel : null;
}

/**
 * Stop the keys that belong to a form before the notebook's shortcuts see them: at the window,
 * in the capture phase, which runs before both front ends' key handling (JupyterLab listens on
 * the document in the bubbling phase, Notebook 7 in the capture phase). Only propagation is
 * stopped: the browser's own action (scrolling) stays. Tab and Shift+Tab go on (the focus
 * moves as anywhere); Ctrl+S saves the notebook, as the form tells students. A pointer going
 * down anywhere else, or the focus moving to another cell or another part of the page, gives
 * the keys back to the notebook.
 */
function guardKeys(tracker: INotebookTracker): void {
  window.addEventListener('pointerdown', event => {
    const target = event.target as Element | null;
    const area = target instanceof Element ? formOutput(target) : null;
    const panel = area ? tracker.find(p => p.node.contains(area)) || null : null;
    const cell = panel ? panel.content.widgets.find(c => c.node.contains(area)) : undefined;
    clicked = panel && cell ? { panel, cell } : null;
  }, true);
  window.addEventListener('focusin', event => {
    const target = event.target;
    if (clicked && target instanceof Element && !clicked.cell.node.contains(target)
        && !target.contains(clicked.cell.node)) {
      clicked = null;
    }
  }, true);
  window.addEventListener('keydown', event => {
    const target = event.target;
    if (event.key === 'Tab' || !(target instanceof Element)) {
      return;
    }
    const panel = keyForForm(target, tracker);
    if (!panel) {
      return;
    }
    event.stopPropagation();
    if (isSave(event)) {
      event.preventDefault();
      void panel.context.save();
    }
  }, true);
}

/** Apply the records that changed since last seen to the cells that display them. */
function applyRecords(panel: NotebookPanel): void {
  panel.content.node.querySelectorAll('.ipt-record').forEach(carrier => {
    const record = carrier.querySelector('[data-ipt-seq]');
    const text = record ? `${record.getAttribute('data-ipt-seq')}\n${record.textContent}` : '';
    const before = seen.get(carrier);
    seen.set(carrier, text);
    if (before === undefined || before === text || !record) {
      return; // first sight (a form just shown, or reopened): nothing new to record
    }
    const formId = record.getAttribute('data-ipt-form') || '';
    const source = record.textContent || '';
    const cell = panel.content.widgets.find(c => c.node.contains(carrier));
    if (!cell || cell.model.type !== 'code') {
      return;
    }
    const current = cell.model.sharedModel.getSource();
    if (current === source || !current.includes(JSON.stringify(formId))) {
      return;
    }
    cell.model.sharedModel.setSource(source);
  });
}

/** The notebook as JSON without what a kernel's connection rewrites (language_info). */
function content(panel: NotebookPanel): PartialJSONObject {
  const nb = panel.context.model.toJSON() as PartialJSONObject;
  const metadata = { ...(nb.metadata as PartialJSONObject) };
  delete metadata.language_info;
  return { ...nb, metadata };
}

/** Keep a notebook unmodified when connecting a kernel only fills in its language_info. */
function keepCleanOnOpen(panel: NotebookPanel): void {
  const context = panel.context;
  let loaded: PartialJSONObject | null = null;
  const check = () => {
    setTimeout(() => {
      if (loaded && context.model.dirty && JSONExt.deepEqual(content(panel), loaded)) {
        context.model.dirty = false;
      }
    }, 0);
  };
  context.model.metadataChanged.connect((_, change) => {
    if (change.key === 'language_info') {
      check();
    }
  });
  void context.ready.then(() => {
    // the file as loaded (a kernel may already have filled in language_info: not counted)
    loaded = content(panel);
    check();
    context.fileChanged.connect(() => {
      loaded = content(panel); // saved (or reverted): the file is the new reference
    });
  });
  void panel.sessionContext.ready.then(check);
}

function watch(panel: NotebookPanel): void {
  keepCleanOnOpen(panel);
  const node = panel.content.node;
  let queued = false;
  const scan = () => {
    queued = false;
    if (node.querySelector('.ipt-form')) {
      panel.node.classList.add('ipt-notebook');
    }
    suppress(node);
    applyRecords(panel);
  };
  const observer = new MutationObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(scan);
    }
  });
  observer.observe(node, { childList: true, subtree: true, characterData: true, attributes: true,
                           attributeFilter: ['data-ipt-seq'] });
  // A control can get focus before the observer's next frame: mark it on focus too.
  node.addEventListener('focusin', event => {
    const target = event.target as Element | null;
    if (target && target.closest && target.closest('.ipt-form') && target.matches(CONTROLS)) {
      target.setAttribute('data-lm-suppress-shortcuts', 'true');
    }
  }, true);
  // Shortcuts stop at a form control, so Ctrl+S (which the form tells students to press)
  // is handled here: it saves the notebook, as it does everywhere else.
  node.addEventListener('keydown', event => {
    const target = event.target as Element | null;
    if (isSave(event) && target && target.closest && target.closest('.ipt-form')) {
      event.preventDefault();
      event.stopPropagation();
      void panel.context.save();
    }
  }, true);
  panel.disposed.connect(() => observer.disconnect());
  scan();
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'ipt-forms:plugin',
  description: 'IPT curriculum forms: record on change, keyboard-safe controls.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker) => {
    tracker.widgetAdded.connect((_, panel) => watch(panel));
    tracker.forEach(panel => watch(panel));
    guardKeys(tracker);

    // Shift+Enter: on the last cell of a notebook with forms, run it and stay there.
    app.commands.addCommand(RUN_IN_PLACE, {
      label: 'Run Selected Cell and Select Next (no new cell at the end)',
      execute: async () => {
        const panel = tracker.currentWidget;
        if (!panel) {
          return;
        }
        const notebook = panel.content;
        if (notebook.activeCellIndex < notebook.widgets.length - 1) {
          await NotebookActions.runAndAdvance(notebook, panel.sessionContext);
        } else {
          await NotebookActions.run(notebook, panel.sessionContext);
          notebook.mode = 'command';
        }
      }
    });
    for (const selector of ['.ipt-notebook .jp-Notebook.jp-mod-editMode',
                            '.ipt-notebook .jp-Notebook.jp-mod-commandMode']) {
      app.commands.addKeyBinding({ command: RUN_IN_PLACE, keys: ['Shift Enter'], selector });
    }
  }
};

export default [plugin, assignments, assignmentView];
