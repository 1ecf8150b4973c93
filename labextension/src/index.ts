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
 * - Marks each form `ipt-auto`, so the form's text says answers record themselves.
 * - Shift+Enter on the last cell of a notebook with forms runs it without adding a cell.
 * - Opening a notebook does not mark it modified: when the kernel's language_info is the
 *   only difference from the file as loaded, the notebook stays unmodified.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { JSONExt, PartialJSONObject } from '@lumino/coreutils';

const CONTROLS = 'select, input, textarea, button, [tabindex]';
const RUN_IN_PLACE = 'ipt-forms:run-cell-and-select-next';

/** The last record each carrier element showed (so a record is applied once, on change). */
const seen = new WeakMap<Element, string>();

function suppress(root: ParentNode): void {
  root.querySelectorAll('.ipt-form').forEach(form => {
    form.classList.add('ipt-auto');
    form.querySelectorAll(CONTROLS).forEach(control => {
      if (!control.hasAttribute('data-lm-suppress-shortcuts')) {
        control.setAttribute('data-lm-suppress-shortcuts', 'true');
      }
    });
  });
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
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's'
        && target && target.closest && target.closest('.ipt-form')) {
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

export default plugin;
