/**
 * Students reach nbgrader's Assignments panel (fetch, submit, fetch feedback) with ipt-forms
 * installed. nbgrader adds "Assignment List" to the menu and the command palette only in its
 * `@jupyter/nbgrader:menu` plugin, which ipt-forms disables for students because it also
 * offers the instructor's tools; its `assignment-list` plugin, which defines the command,
 * stays on. This plugin puts that one command in a "Course" menu and the palette, where
 * nbgrader would: in JupyterLab and on Notebook 7's file page (not inside a notebook, where
 * Notebook 7 has no room for a second panel).
 *
 * It also mends nbgrader's panel for students: the "(view feedback)" link has no href (so Tab
 * skips it and Enter does nothing), the refresh button is an icon with no name, and each downloaded notebook's "Validate" button is hidden:
 * it reports "Success" about checks the forms do not have (the assignment view's hand-in panel
 * says what is unanswered instead).
 */
import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { Menu } from '@lumino/widgets';

/** nbgrader's command that opens the Assignments panel (nbgrader 0.9). */
export const OPEN_ASSIGNMENTS = 'nbgrader:open-assignment-list';
export const OPEN = 'ipt-forms:open-assignments';

export const assignments: JupyterFrontEndPlugin<void> = {
  id: 'ipt-forms:assignments',
  description: 'Assignments (fetch and submit) in the menu and palette for students.',
  autoStart: true,
  optional: [IMainMenu, ICommandPalette, ILabShell],
  activate: (app: JupyterFrontEnd, menu: IMainMenu | null, palette: ICommandPalette | null,
             labShell: ILabShell | null) => {
    const page = PageConfig.getOption('notebookPage');
    if (!labShell && page !== 'tree') {
      return;
    }
    app.commands.addCommand(OPEN, {
      label: 'Assignments (fetch and submit)',
      caption: "Fetch your course's assignments, submit your work, fetch feedback",
      isEnabled: () => app.commands.hasCommand(OPEN_ASSIGNMENTS),
      execute: () => app.commands.execute(OPEN_ASSIGNMENTS)
    });
    if (menu) {
      const course = new Menu({ commands: app.commands });
      course.id = 'ipt-forms-course-menu';
      course.title.label = 'Course';
      course.addItem({ command: OPEN });
      menu.addMenu(course, true, { rank: 90 });
    }
    if (palette) {
      palette.addItem({ command: OPEN, category: 'Course' });
    }
    new MutationObserver(() => mendPanel()).observe(document.body, { childList: true, subtree: true });
  }
};

/** Make nbgrader's panel usable by keyboard and screen reader (see the header). */
function mendPanel(): void {
  const panel = document.getElementById('nbgrader-assignment-list');
  if (!panel) {
    return;
  }
  panel.querySelectorAll('a:not([href]):not([tabindex])').forEach(link => {
    link.setAttribute('role', 'link');
    link.setAttribute('tabindex', '0');
    link.addEventListener('keydown', event => {
      if ((event as KeyboardEvent).key === 'Enter') {
        event.preventDefault();
        (link as HTMLElement).click();
      }
    });
  });
  const refresh = panel.querySelector('#refresh_assignments_list');
  if (refresh && !refresh.hasAttribute('aria-label')) {
    refresh.setAttribute('aria-label', 'Refresh the list of assignments'); // an icon alone
  }
  panel.querySelectorAll('.assignment-notebooks button').forEach(button => {
    if ((button.textContent || '').trim().startsWith('Validat') && !(button as HTMLElement).hidden) {
      (button as HTMLElement).hidden = true;
    }
  });
}
