/* hc-encounter-editor.c: one visit: SOAP note, vital signs, diagnoses, signing and addenda
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The editor writes only through hc_store_put_many_async(): a draft (Composition preliminary,
 * Encounter in-progress) after each pause in typing and on close, and the signature (the note
 * final with a legal attester, the Encounter finished, its diagnoses and vitals) as one
 * changeset. A signed note is never written again: changes are addenda, Compositions that
 * relatesTo (appends) it, signed themselves.
 */

#define G_LOG_DOMAIN "hc-encounter-editor"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hc-widget-util.h"
#include "hc-author.h"
#include "hc-encounter-data.h"
#include "hc-encounter-editor-private.h"
#include "hc-fhir.h"
#include "hc-json.h"
#include "hc-visit-print.h"
#include "hc-window.h"

#define AUTOSAVE_SECONDS 2
#define MAX_RESULTS 8

typedef enum
{
  SAVE_NONE,
  SAVE_DRAFT,
  SAVE_ADDENDUM_DRAFT,
  SAVE_ADDENDUM_SIGN,
  SAVE_SIGN,
} SaveKind;

typedef struct
{
  char       *code;
  char       *display;
  JsonObject *condition;     /* as written; its id is fixed */
  gboolean    saved;
} Diagnosis;

typedef struct
{
  GtkEntry     *entry;
  GtkLabel     *error_label;
  char         *error;          /* NULL: accepted or empty */
  char         *observation_id; /* NULL until written */
  HcVitalValue  saved_value;
  gboolean      saved;          /* the store has it as a live Observation */
} VitalField;

struct _HcEncounterEditor
{
  AdwWindow          parent_instance;

  /* template widgets */
  AdwToastOverlay   *toast_overlay;
  AdwWindowTitle    *window_title;
  GtkMenuButton     *insert_button;
  GtkWidget         *sign_button;
  GtkWidget         *save_button;
  GtkWidget         *signed_bar;
  GtkLabel          *signed_label;
  GtkWidget         *addendum_button;
  GtkStack          *stack;
  AdwStatusPage     *error_page;
  GtkBox            *note_box;
  GtkWidget         *addenda_box;
  GtkWidget         *addendum_editor;
  GtkTextView       *addendum_view;
  GtkGrid           *vitals_grid;
  GtkListBox        *diagnosis_list;
  GtkSearchEntry    *diagnosis_search;
  GtkListBox        *diagnosis_results;
  /* built in init */
  GtkTextView       *section_views[HC_N_SOAP];
  GtkLabel          *bmi_label;

  /* owned */
  HcStore           *store;
  HcPatient         *patient;
  HcEncounterData   *data;
  GCancellable      *cancellable;
  GWeakRef           main_window;
  JsonObject        *author;
  char              *encounter_id;
  char              *encounter_start;
  char              *note_id;
  char              *bmi_id;
  gboolean           bmi_saved;
  GPtrArray         *diagnoses;       /* Diagnosis */
  GPtrArray         *removed;         /* Diagnosis written before, to mark entered-in-error */
  VitalField         vitals[HC_VITAL_BMI];
  char              *addendum_id;     /* the addendum being written, or NULL */
  char              *signed_by;
  char              *signed_at;
  char              *last_error;
  GtkTextView       *last_view;       /* where a picked snippet goes */
  guint              autosave_id;
  guint              fit_id;
  guint              save_serial;
  SaveKind           pending;         /* asked for while a write was in flight */
  gboolean           ready;
  gboolean           dirty;
  gboolean           saving;
  gboolean           closing;
  gboolean           print_after_save;
  gboolean           read_only;
  gboolean           loading;         /* fields are being filled from the store */
  gboolean           hidden_by_lock;
  guint              lock_watch_id;
};

G_DEFINE_FINAL_TYPE (HcEncounterEditor, hc_encounter_editor, ADW_TYPE_WINDOW)

static const char * const chart_types[] = { "Encounter", "Composition", "Condition",
                                            "Observation", NULL };

static void save (HcEncounterEditor *self, SaveKind kind);
static void print_summary (HcEncounterEditor *self);

/* ------------------------------------------------------------------------------------------ */
/* Helpers */

static void
diagnosis_free (gpointer data)
{
  Diagnosis *d = data;

  g_free (d->code);
  g_free (d->display);
  g_clear_pointer (&d->condition, json_object_unref);
  g_free (d);
}

static HcEncounterData *
shared_data (GError **error)
{
  static HcEncounterData *data;

  /* the files are small and read once; a broken practice file is reported each time */
  if (data == NULL)
    data = hc_encounter_data_load (error);
  return data ? hc_encounter_data_ref (data) : NULL;
}

static gboolean
is_blank (const char *text)
{
  for (; *text; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static char *
buffer_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* the blanks of a note template, for the physician to fill */
#define BLANK "___"

static gboolean select_next_blank (HcEncounterEditor *self,
                                   GtkTextView       *from,
                                   gboolean           after_cursor);

static void
show_toast (HcEncounterEditor *self,
            const char        *text)
{
  /* only the latest news: a stale "correct the vitals" must not linger over "signed" */
  hc_toast_show (self->toast_overlay, text, 0);
}

static void
set_error (HcEncounterEditor *self,
           const char        *message)
{
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  if (message != NULL)
    show_toast (self, message);
}

static void
update_subtitle (HcEncounterEditor *self,
                 const char        *state)
{
  g_autofree char *when = hc_visit_format_time (self->encounter_start);
  g_autofree char *subtitle = NULL;

  /* Translators: the editor's subtitle: when the visit started, and e.g. "Draft saved" */
  subtitle = state ? g_strdup_printf (_("%s · %s"), when, state) : g_strdup (when);
  adw_window_title_set_subtitle (self->window_title, subtitle);
}

static void
reload_chart (HcEncounterEditor *self)
{
  g_autoptr(GtkWidget) window = g_weak_ref_get (&self->main_window);

  if (window != NULL && HC_IS_WINDOW (window))
    hc_window_reload_chart (HC_WINDOW (window));
}

static void
mark_dirty (HcEncounterEditor *self);

/* ------------------------------------------------------------------------------------------ */
/* Vital signs */

static void
show_vital_error (HcEncounterEditor *self,
                  HcVital            kind,
                  const char        *message)
{
  VitalField *f = &self->vitals[kind];
  GtkWidget *entry = GTK_WIDGET (f->entry);

  g_free (f->error);
  f->error = g_strdup (message);
  gtk_label_set_text (f->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (f->error_label), message != NULL);
  if (message != NULL)
    {
      gtk_widget_add_css_class (entry, "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (entry, "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      hc_vital_get_example (kind), -1);
    }
}

/* Reads field @kind: TRUE with *@value set when it holds an accepted value, FALSE when empty
 * or refused (then marked). */
static gboolean
read_vital (HcEncounterEditor *self,
            HcVital            kind,
            HcVitalValue      *value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->vitals[kind].entry));
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  g_autoptr(GError) error = NULL;

  if (trimmed[0] == '\0')
    {
      show_vital_error (self, kind, NULL);
      return FALSE;
    }
  if (!hc_vital_parse (kind, trimmed, value, &error))
    {
      show_vital_error (self, kind, error->message);
      return FALSE;
    }
  show_vital_error (self, kind, NULL);
  return TRUE;
}

static void
update_bmi (HcEncounterEditor *self)
{
  HcVitalValue weight, height, bmi;
  g_autofree char *text = NULL;

  if (self->vitals[HC_VITAL_WEIGHT].error == NULL && self->vitals[HC_VITAL_HEIGHT].error == NULL &&
      hc_vital_parse (HC_VITAL_WEIGHT, gtk_editable_get_text (GTK_EDITABLE (self->vitals[HC_VITAL_WEIGHT].entry)),
                      &weight, NULL) &&
      hc_vital_parse (HC_VITAL_HEIGHT, gtk_editable_get_text (GTK_EDITABLE (self->vitals[HC_VITAL_HEIGHT].entry)),
                      &height, NULL) &&
      hc_vital_bmi (&weight, &height, &bmi))
    text = hc_vital_format (&bmi);
  /* Translators: in place of the body mass index, worked out from the two */
  gtk_label_set_text (self->bmi_label, text ? text : _("needs weight and height"));
  if (text != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self->bmi_label), "dim-label");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->bmi_label), "dim-label");
}

static void
vital_check (HcEncounterEditor *self,
             HcVital            kind)
{
  HcVitalValue value;

  read_vital (self, kind, &value);
  update_bmi (self);
}

static void
vital_activate_cb (GtkEntry          *entry,
                   HcEncounterEditor *self)
{
  vital_check (self, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (entry), "hc-vital")));
}

static void
vital_leave_cb (GtkEventControllerFocus *controller,
                HcEncounterEditor       *self)
{
  GtkWidget *entry = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));

  vital_check (self, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (entry), "hc-vital")));
}

static void
vital_changed_cb (GtkEditable       *entry,
                  HcEncounterEditor *self)
{
  HcVital kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (entry), "hc-vital"));

  /* a mark from the last check goes as soon as the value is being corrected */
  if (self->vitals[kind].error != NULL)
    show_vital_error (self, kind, NULL);
  mark_dirty (self);
}

static void
build_vitals (HcEncounterEditor *self)
{
  int row = 0;

  for (int k = 0; k < HC_VITAL_BMI; k++)
    {
      VitalField *f = &self->vitals[k];
      GtkWidget *label = gtk_label_new (hc_vital_get_label (k));
      GtkWidget *entry = gtk_entry_new ();
      GtkWidget *error = gtk_label_new (NULL);
      GtkEventController *focus = gtk_event_controller_focus_new ();
      g_autofree char *example = NULL;

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      /* a unit, not a sample value: an empty field must never look filled in */
      gtk_entry_set_placeholder_text (GTK_ENTRY (entry), hc_vital_get_units (k));
      example = g_strdup_printf (_("For example %s"), hc_vital_get_example (k));
      gtk_widget_set_tooltip_text (entry, example);
      gtk_editable_set_width_chars (GTK_EDITABLE (entry), 10);
      gtk_widget_set_hexpand (entry, TRUE);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                      label, NULL, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      hc_vital_get_example (k), -1);
      g_object_set_data (G_OBJECT (entry), "hc-vital", GINT_TO_POINTER (k));
      g_signal_connect (entry, "activate", G_CALLBACK (vital_activate_cb), self);
      g_signal_connect (entry, "changed", G_CALLBACK (vital_changed_cb), self);
      g_signal_connect (focus, "leave", G_CALLBACK (vital_leave_cb), self);
      gtk_widget_add_controller (entry, focus);

      gtk_label_set_xalign (GTK_LABEL (error), 0);
      gtk_label_set_wrap (GTK_LABEL (error), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (error), 30);
      gtk_widget_add_css_class (error, "error");
      gtk_widget_add_css_class (error, "caption");
      gtk_widget_set_visible (error, FALSE);

      gtk_grid_attach (self->vitals_grid, label, 0, row, 1, 1);
      gtk_grid_attach (self->vitals_grid, entry, 1, row, 1, 1);
      gtk_grid_attach (self->vitals_grid, error, 0, row + 1, 2, 1);
      f->entry = GTK_ENTRY (entry);
      f->error_label = GTK_LABEL (error);
      row += 2;
    }
  {
    GtkWidget *label = gtk_label_new (hc_vital_get_label (HC_VITAL_BMI));
    GtkWidget *value = gtk_label_new (NULL);

    gtk_label_set_xalign (GTK_LABEL (label), 0);
    gtk_widget_add_css_class (label, "dim-label");
    gtk_label_set_xalign (GTK_LABEL (value), 0);
    gtk_label_set_selectable (GTK_LABEL (value), TRUE);
    /* read, not a stop for Tab (nor where the focus lands when the note is signed) */
    gtk_widget_set_can_focus (value, FALSE);
    gtk_widget_set_margin_start (value, 8);
    gtk_accessible_update_relation (GTK_ACCESSIBLE (value), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                    label, NULL, -1);
    gtk_grid_attach (self->vitals_grid, label, 0, row, 1, 1);
    gtk_grid_attach (self->vitals_grid, value, 1, row, 1, 1);
    self->bmi_label = GTK_LABEL (value);
    update_bmi (self);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* SOAP sections and snippets */

static void
insert_text_after_cb (GtkTextBuffer     *buffer,
                      GtkTextIter       *location,
                      const char        *text,
                      int                length,
                      HcEncounterEditor *self)
{
  GtkTextIter end, line_start, trigger;
  g_autofree char *before = NULL;
  const HcSnippet *snippet;
  GtkTextMark *mark;
  gsize start;

  if (self->loading || length != 1 || (text[0] != ' ' && text[0] != '\n'))
    return;
  end = *location;
  if (!gtk_text_iter_backward_char (&end))
    return;
  line_start = end;
  gtk_text_iter_set_line_offset (&line_start, 0);
  before = gtk_text_buffer_get_text (buffer, &line_start, &end, FALSE);
  snippet = hc_encounter_data_match_snippet (self->data, before, strlen (before), &start);
  if (snippet == NULL)
    return;

  trigger = line_start;
  gtk_text_iter_forward_chars (&trigger, (int) g_utf8_strlen (before, (gssize) start));
  mark = gtk_text_buffer_create_mark (buffer, NULL, location, FALSE);
  gtk_text_buffer_delete (buffer, &trigger, &end);
  gtk_text_buffer_insert (buffer, &trigger, snippet->text, -1);
  /* the signal's contract: leave @location valid, after what was inserted */
  gtk_text_buffer_get_iter_at_mark (buffer, location, mark);
  gtk_text_buffer_delete_mark (buffer, mark);
}

#define FIELD_MAX_HEIGHT 220

/* GTK 4.8's text view reports an estimated height for lines it has not laid out yet, and
 * does not always ask again once it has, cutting the last line off; the fields are sized
 * from where their text really ends instead. */
static gboolean
fit_views_cb (gpointer user_data)
{
  HcEncounterEditor *self = user_data;

  self->fit_id = 0;
  for (int s = 0; s < HC_N_SOAP; s++)
    {
      GtkTextView *view = self->section_views[s];
      GtkWidget *scroller = gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (view)));
      GtkTextIter end;
      int y, height, base;

      if (!GTK_IS_SCROLLED_WINDOW (scroller))
        scroller = gtk_widget_get_parent (GTK_WIDGET (view));
      if (!GTK_IS_SCROLLED_WINDOW (scroller))
        continue;
      base = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (scroller), "hc-base-height"));
      gtk_text_buffer_get_end_iter (gtk_text_view_get_buffer (view), &end);
      gtk_text_view_get_line_yrange (view, &end, &y, &height);
      height = y + height + gtk_text_view_get_top_margin (view) +
               gtk_text_view_get_bottom_margin (view);
      gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller),
                                                  CLAMP (height, base, FIELD_MAX_HEIGHT));
    }
  return G_SOURCE_REMOVE;
}

static void
fit_views (HcEncounterEditor *self)
{
  if (self->fit_id == 0)
    self->fit_id = g_idle_add_full (G_PRIORITY_LOW, fit_views_cb, self, NULL);
}

static void
text_changed_cb (GtkTextBuffer     *buffer,
                 HcEncounterEditor *self)
{
  fit_views (self);
  mark_dirty (self);
}

static void
view_enter_cb (GtkEventControllerFocus *controller,
               HcEncounterEditor       *self)
{
  self->last_view = GTK_TEXT_VIEW (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));
}

static void
setup_text_view (HcEncounterEditor *self,
                 GtkTextView       *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkEventController *focus = gtk_event_controller_focus_new ();

  g_signal_connect_after (buffer, "insert-text", G_CALLBACK (insert_text_after_cb), self);
  g_signal_connect (buffer, "changed", G_CALLBACK (text_changed_cb), self);
  g_signal_connect (focus, "enter", G_CALLBACK (view_enter_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (view), focus);
}

/* A note field grows with its text up to a third of a small screen, then scrolls: never a
 * line cut off without a scroll bar to reach it */
static GtkWidget *
wrap_text_view (GtkTextView *view,
                int          min_height)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkScrolledWindow *sw = GTK_SCROLLED_WINDOW (scroller);

  gtk_scrolled_window_set_policy (sw, GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (sw, min_height);
  gtk_scrolled_window_set_max_content_height (sw, FIELD_MAX_HEIGHT);
  g_object_set_data (G_OBJECT (scroller), "hc-base-height", GINT_TO_POINTER (min_height));
  gtk_scrolled_window_set_propagate_natural_height (sw, TRUE);
  /* a visible scroll bar when the text is longer than the field */
  gtk_scrolled_window_set_overlay_scrolling (sw, FALSE);
  gtk_scrolled_window_set_child (sw, GTK_WIDGET (view));
  gtk_widget_add_css_class (scroller, "card");
  gtk_widget_remove_css_class (GTK_WIDGET (view), "card");
  return scroller;
}

static void
build_sections (HcEncounterEditor *self)
{
  const char *titles[HC_N_SOAP] = {
    _("Subjective"), _("Objective"), _("Assessment"), _("Plan"),
  };
  const char *hints[HC_N_SOAP] = {
    _("History, symptoms, what the patient reports"),
    _("Examination and findings; vital signs go on the right"),
    _("Clinical impression; add coded diagnoses on the right"),
    _("Treatment, orders, follow-up"),
  };

  /* after the addenda: at the top, right under the signature, is where an addendum is written */
  for (int s = 0; s < HC_N_SOAP; s++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *heading = gtk_label_new (titles[s]);
      GtkWidget *view = gtk_text_view_new ();

      gtk_label_set_xalign (GTK_LABEL (heading), 0);
      gtk_widget_add_css_class (heading, "heading");
      gtk_widget_set_tooltip_text (view, hints[s]);
      gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
      gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (view), FALSE);
      gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
      gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
      gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 8);
      gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 8);
      gtk_widget_add_css_class (view, "card");
      gtk_accessible_update_relation (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                      heading, NULL, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      hints[s], -1);
      gtk_widget_set_margin_bottom (box, 8);
      gtk_box_append (GTK_BOX (box), heading);
      gtk_box_append (GTK_BOX (box), wrap_text_view (GTK_TEXT_VIEW (view),
                                                      s == HC_SOAP_ASSESSMENT ? 56 : 84));
      gtk_box_append (self->note_box, box);
      self->section_views[s] = GTK_TEXT_VIEW (view);
      setup_text_view (self, GTK_TEXT_VIEW (view));
    }
  setup_text_view (self, self->addendum_view);
  self->last_view = self->section_views[HC_SOAP_SUBJECTIVE];
}

static void
set_view_text (GtkTextView *view,
               const char  *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text ? text : "", -1);
}

static void
build_insert_menu (HcEncounterEditor *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) templates = g_menu_new ();
  g_autoptr(GMenu) snippets = g_menu_new ();

  for (guint i = 0; i < hc_encounter_data_get_n_templates (self->data); i++)
    {
      const HcNoteTemplate *t = hc_encounter_data_get_template (self->data, i);
      g_autoptr(GMenuItem) item = g_menu_item_new (t->title, NULL);

      g_menu_item_set_action_and_target (item, "editor.apply-template", "s", t->id);
      g_menu_append_item (templates, item);
    }
  for (guint i = 0; i < hc_encounter_data_get_n_snippets (self->data); i++)
    {
      const HcSnippet *s = hc_encounter_data_get_snippet (self->data, i);
      /* Translators: a snippet in the menu: its text, then what to type for it */
      g_autofree char *label = g_strdup_printf (_("%s  (%s)"), s->text, s->trigger);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target (item, "editor.insert-snippet", "s", s->trigger);
      g_menu_append_item (snippets, item);
    }
  g_menu_append_section (menu, _("Note Templates"), G_MENU_MODEL (templates));
  g_menu_append_section (menu, _("Snippets: type the word in brackets, then a space"),
                         G_MENU_MODEL (snippets));
  gtk_menu_button_set_menu_model (self->insert_button, G_MENU_MODEL (menu));
}

/* ------------------------------------------------------------------------------------------ */
/* Diagnoses */

static void
add_diagnosis_row (HcEncounterEditor *self,
                   Diagnosis         *d)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *code = gtk_label_new (d->code);
  GtkWidget *display = gtk_label_new (d->display);
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
  g_autofree char *remove_label = g_strdup_printf (_("Remove %s %s"), d->code, d->display);

  gtk_widget_add_css_class (code, "heading");
  gtk_label_set_xalign (GTK_LABEL (code), 0);
  gtk_label_set_yalign (GTK_LABEL (code), 0);
  gtk_label_set_xalign (GTK_LABEL (display), 0);
  gtk_label_set_wrap (GTK_LABEL (display), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (display), 24);
  gtk_widget_set_hexpand (display, TRUE);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, _("Remove diagnosis"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  remove_label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "editor.remove-diagnosis");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (remove), "s", d->code);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 10);
  gtk_widget_set_margin_end (box, 4);
  gtk_box_append (GTK_BOX (box), code);
  gtk_box_append (GTK_BOX (box), display);
  gtk_box_append (GTK_BOX (box), remove);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set_data_full (G_OBJECT (row), "hc-code", g_strdup (d->code), g_free);
  gtk_list_box_append (self->diagnosis_list, row);
}

static Diagnosis *
find_diagnosis (HcEncounterEditor *self,
                const char        *code,
                guint             *index)
{
  for (guint i = 0; i < self->diagnoses->len; i++)
    {
      Diagnosis *d = self->diagnoses->pdata[i];
      if (strcmp (d->code, code) == 0)
        {
          if (index != NULL)
            *index = i;
          return d;
        }
    }
  return NULL;
}

static void
add_diagnosis (HcEncounterEditor *self,
               const char        *code_text)
{
  const HcIcd10Code *code = hc_encounter_data_lookup_icd10 (self->data, code_text);
  g_autofree char *now = NULL;
  g_autofree char *id = NULL;
  Diagnosis *d;

  if (code == NULL || find_diagnosis (self, code->code, NULL) != NULL || self->read_only)
    return;
  now = hc_encounter_now ();
  id = hc_fhir_new_id ();
  d = g_new0 (Diagnosis, 1);
  d->code = g_strdup (code->code);
  d->display = g_strdup (code->display);
  d->condition = hc_diagnosis_build (id, hc_patient_get_id (self->patient), self->encounter_id,
                                     code, now, self->author);
  g_ptr_array_add (self->diagnoses, d);
  add_diagnosis_row (self, d);
  gtk_editable_set_text (GTK_EDITABLE (self->diagnosis_search), "");
  mark_dirty (self);
}

static void
remove_diagnosis_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (widget);
  const char *code = g_variant_get_string (parameter, NULL);
  Diagnosis *d;
  guint index;

  if (self->read_only || (d = find_diagnosis (self, code, &index)) == NULL)
    return;
  for (int i = 0; gtk_list_box_get_row_at_index (self->diagnosis_list, i) != NULL; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->diagnosis_list, i);
      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "hc-code"), code) == 0)
        {
          gtk_list_box_remove (self->diagnosis_list, GTK_WIDGET (row));
          break;
        }
    }
  d = g_ptr_array_steal_index (self->diagnoses, index);
  if (d->saved)
    g_ptr_array_add (self->removed, d);
  else
    diagnosis_free (d);
  mark_dirty (self);
}

static void
clear_results (HcEncounterEditor *self)
{
  hc_widget_remove_children (GTK_WIDGET (self->diagnosis_results));
}

static void
diagnosis_search_changed_cb (HcEncounterEditor *self,
                             GtkSearchEntry    *entry)
{
  g_autoptr(GPtrArray) hits = NULL;

  clear_results (self);
  hits = hc_encounter_data_search_icd10 (self->data, gtk_editable_get_text (GTK_EDITABLE (entry)),
                                         MAX_RESULTS);
  for (guint i = 0; i < hits->len; i++)
    {
      const HcIcd10Code *c = hits->pdata[i];
      GtkWidget *row = gtk_list_box_row_new ();
      g_autofree char *code = g_markup_escape_text (c->code, -1);
      g_autofree char *display = g_markup_escape_text (c->display, -1);
      g_autofree char *markup = g_strdup_printf ("<b>%s</b>  %s", code, display);
      GtkWidget *label = gtk_label_new (NULL);

      gtk_label_set_markup (GTK_LABEL (label), markup);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 30);
      gtk_widget_set_margin_top (label, 6);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_widget_set_margin_start (label, 10);
      gtk_widget_set_margin_end (label, 10);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      g_object_set_data_full (G_OBJECT (row), "hc-code", g_strdup (c->code), g_free);
      gtk_list_box_append (self->diagnosis_results, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->diagnosis_results), hits->len > 0);
}

static void
diagnosis_search_activate_cb (HcEncounterEditor *self,
                              GtkSearchEntry    *entry)
{
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->diagnosis_results, 0);

  if (first != NULL && gtk_widget_get_visible (GTK_WIDGET (self->diagnosis_results)))
    add_diagnosis (self, g_object_get_data (G_OBJECT (first), "hc-code"));
}

static void
diagnosis_result_activated_cb (HcEncounterEditor *self,
                               GtkListBoxRow     *row,
                               GtkListBox        *box)
{
  add_diagnosis (self, g_object_get_data (G_OBJECT (row), "hc-code"));
  gtk_widget_grab_focus (GTK_WIDGET (self->diagnosis_search));
}

/* ------------------------------------------------------------------------------------------ */
/* Read-only after signing */

static void
show_signed (HcEncounterEditor *self)
{
  g_autofree char *when = hc_visit_format_time (self->signed_at);
  g_autofree char *text = NULL;

  self->read_only = TRUE;
  for (int s = 0; s < HC_N_SOAP; s++)
    {
      /* The caret stays: a screen reader user reads the signed note with it. (Hiding it
       * also made GTK 4.8 abort in its cursor blink timer.) */
      gtk_text_view_set_editable (self->section_views[s], FALSE);
    }
  for (int k = 0; k < HC_VITAL_BMI; k++)
    {
      gtk_editable_set_editable (GTK_EDITABLE (self->vitals[k].entry), FALSE);
      gtk_entry_set_placeholder_text (self->vitals[k].entry, _("not taken"));
    }
  for (int i = 0; gtk_list_box_get_row_at_index (self->diagnosis_list, i) != NULL; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->diagnosis_list, i);
      gtk_widget_set_visible (gtk_widget_get_last_child (gtk_list_box_row_get_child (row)), FALSE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->diagnosis_search), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->diagnosis_results), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->insert_button), FALSE);
  gtk_widget_set_visible (self->sign_button, FALSE);
  gtk_widget_set_visible (self->save_button, FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.sign", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save-draft", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.apply-template", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.remove-diagnosis", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.add-addendum", TRUE);
  /* Translators: "Signed by Dr. Lee, 27 Nov 2026, 10:20. The note cannot change; …" */
  text = g_strdup_printf (_("Signed by %s, %s. The note cannot change; corrections go in an "
                            "addendum."), self->signed_by ? self->signed_by : "?", when);
  gtk_label_set_text (self->signed_label, text);
  fit_views (self);
  gtk_widget_set_visible (self->signed_bar, TRUE);
  update_subtitle (self, _("Signed"));
}

static void
append_signed_addendum (HcEncounterEditor *self,
                        const char        *text,
                        const char        *signer,
                        const char        *signed_at)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  g_autofree char *when = hc_visit_format_time (signed_at);
  /* Translators: heading of a signed addendum: who and when */
  g_autofree char *heading_text = g_strdup_printf (_("Addendum, signed by %s, %s"),
                                                   signer ? signer : "?", when);
  GtkWidget *heading = gtk_label_new (heading_text);
  GtkWidget *body = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (body), 0);
  gtk_label_set_wrap (GTK_LABEL (body), TRUE);
  gtk_label_set_selectable (GTK_LABEL (body), TRUE);
  gtk_widget_add_css_class (body, "card");
  gtk_widget_set_margin_bottom (box, 8);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), body);
  gtk_box_append (GTK_BOX (self->addenda_box), box);
  gtk_widget_set_visible (self->addenda_box, TRUE);
}

/* ------------------------------------------------------------------------------------------ */
/* Writing */

typedef struct
{
  HcEncounterEditor *self;
  SaveKind           kind;
  char              *signed_at;
  GPtrArray         *written_vitals;   /* VitalField * written live */
  GPtrArray         *cleared_vitals;   /* VitalField * marked entered-in-error */
  GArray            *written_values;   /* HcVitalValue, parallel to written_vitals */
  gboolean           bmi_written;
  char              *addendum_text;
} SaveData;

static void
save_data_free (SaveData *d)
{
  g_clear_object (&d->self);
  g_free (d->signed_at);
  g_ptr_array_unref (d->written_vitals);
  g_ptr_array_unref (d->cleared_vitals);
  g_array_unref (d->written_values);
  g_free (d->addendum_text);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveData, save_data_free)

static JsonObject *
entered_in_error_vital (HcEncounterEditor *self,
                        VitalField        *f)
{
  return hc_vital_to_observation (&f->saved_value, f->observation_id, "entered-in-error",
                                  hc_patient_get_id (self->patient), self->encounter_id,
                                  self->encounter_start, self->author);
}

static JsonObject *
entered_in_error_condition (Diagnosis *d)
{
  JsonObject *c = hc_json_object_copy (d->condition);
  JsonObject *status = json_object_new ();
  JsonArray *coding = json_array_new ();
  JsonObject *code = json_object_new ();

  json_object_set_string_member (code, "system",
                                 "http://terminology.hl7.org/CodeSystem/condition-ver-status");
  json_object_set_string_member (code, "code", "entered-in-error");
  json_object_set_string_member (code, "display", "Entered in Error");
  json_array_add_object_element (coding, code);
  json_object_set_array_member (status, "coding", coding);
  json_object_set_object_member (c, "verificationStatus", status);
  /* FHIR: no clinical status for a condition entered in error */
  json_object_remove_member (c, "clinicalStatus");
  return c;
}

/* The resources of the note and encounter, or NULL with the reason when it cannot be signed */
static JsonArray *
build_visit (HcEncounterEditor *self,
             SaveData          *d,
             GError           **error)
{
  gboolean sign = d->kind == SAVE_SIGN;
  const char *patient_id = hc_patient_get_id (self->patient);
  const char *obs_status = sign ? "final" : "preliminary";
  g_autoptr(JsonArray) out = json_array_new ();
  g_autoptr(GPtrArray) condition_ids = g_ptr_array_new ();
  g_auto(GStrv) texts = g_new0 (char *, HC_N_SOAP + 1);
  gboolean any_text = FALSE, bad_vital = FALSE;
  HcVitalValue values[HC_VITAL_BMI];
  gboolean have[HC_VITAL_BMI];
  HcVitalValue bmi;

  for (int s = 0; s < HC_N_SOAP; s++)
    {
      texts[s] = buffer_text (self->section_views[s]);
      any_text = any_text || !is_blank (texts[s]);
    }
  for (int k = 0; k < HC_VITAL_BMI; k++)
    {
      have[k] = read_vital (self, k, &values[k]);
      bad_vital = bad_vital || self->vitals[k].error != NULL;
    }
  update_bmi (self);
  if (sign && bad_vital)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                   _("Correct the marked vital signs before signing."));
      return NULL;
    }
  if (sign && !any_text)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                   _("Write the note before signing it."));
      return NULL;
    }
  /* a template's blank left as it is: the signed note would say "___" */
  for (int s = 0; sign && s < HC_N_SOAP; s++)
    if (strstr (texts[s], BLANK) != NULL)
      {
        select_next_blank (self, self->section_views[s], FALSE);
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                     _("Fill in or delete the template’s blanks (___) before signing."));
        return NULL;
      }

  for (guint i = 0; i < self->diagnoses->len; i++)
    {
      Diagnosis *dx = self->diagnoses->pdata[i];
      json_array_add_object_element (out, hc_json_object_copy (dx->condition));
      g_ptr_array_add (condition_ids, (gpointer) hc_json_get_string (dx->condition, "id"));
    }
  g_ptr_array_add (condition_ids, NULL);
  for (guint i = 0; i < self->removed->len; i++)
    json_array_add_object_element (out, entered_in_error_condition (self->removed->pdata[i]));

  for (int k = 0; k < HC_VITAL_BMI; k++)
    {
      VitalField *f = &self->vitals[k];

      if (have[k])
        {
          if (f->observation_id == NULL)
            f->observation_id = hc_fhir_new_id ();
          json_array_add_object_element (out, hc_vital_to_observation (&values[k], f->observation_id,
                                                                       obs_status, patient_id,
                                                                       self->encounter_id,
                                                                       self->encounter_start,
                                                                       self->author));
          g_ptr_array_add (d->written_vitals, f);
          g_array_append_val (d->written_values, values[k]);
        }
      else if (f->saved && f->error == NULL)
        {
          /* emptied: the value written before was a mistake */
          json_array_add_object_element (out, entered_in_error_vital (self, f));
          g_ptr_array_add (d->cleared_vitals, f);
        }
    }
  if (have[HC_VITAL_WEIGHT] && have[HC_VITAL_HEIGHT] &&
      hc_vital_bmi (&values[HC_VITAL_WEIGHT], &values[HC_VITAL_HEIGHT], &bmi))
    {
      if (self->bmi_id == NULL)
        self->bmi_id = hc_fhir_new_id ();
      json_array_add_object_element (out, hc_vital_to_observation (&bmi, self->bmi_id, obs_status,
                                                                   patient_id, self->encounter_id,
                                                                   self->encounter_start,
                                                                   self->author));
      d->bmi_written = TRUE;
    }

  json_array_add_object_element (out, hc_encounter_build (self->encounter_id,
                                                          sign ? "finished" : "in-progress",
                                                          patient_id, self->author,
                                                          self->encounter_start,
                                                          sign ? d->signed_at : NULL,
                                                          (const char * const *) condition_ids->pdata));
  json_array_add_object_element (out, hc_note_build (self->note_id, patient_id, self->encounter_id,
                                                     d->signed_at, self->author,
                                                     (const char * const *) texts,
                                                     sign ? d->signed_at : NULL));
  return g_steal_pointer (&out);
}

static JsonArray *
build_addendum (HcEncounterEditor *self,
                SaveData          *d,
                GError           **error)
{
  g_autofree char *text = buffer_text (self->addendum_view);
  JsonArray *out;

  if (d->kind == SAVE_ADDENDUM_SIGN && is_blank (text))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                   _("Write the addendum before signing it."));
      return NULL;
    }
  if (self->addendum_id == NULL)
    self->addendum_id = hc_fhir_new_id ();
  d->addendum_text = buffer_text (self->addendum_view);
  out = json_array_new ();
  json_array_add_object_element (out, hc_addendum_build (self->addendum_id,
                                                         hc_patient_get_id (self->patient),
                                                         self->encounter_id, self->note_id,
                                                         d->signed_at, self->author,
                                                         d->addendum_text,
                                                         d->kind == SAVE_ADDENDUM_SIGN
                                                         ? d->signed_at : NULL));
  return out;
}

static void
after_save (HcEncounterEditor *self)
{
  SaveKind next = self->pending;

  self->pending = SAVE_NONE;
  if (next != SAVE_NONE)
    {
      save (self, next);
      return;
    }
  if (self->print_after_save)
    {
      self->print_after_save = FALSE;
      print_summary (self);
    }
  if (self->closing && !self->saving)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SaveData) d = user_data;
  HcEncounterEditor *self = d->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) stored = hc_store_put_many_finish (HC_STORE (source), result, &error);

  self->saving = FALSE;
  self->save_serial++;
  if (stored == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("writing encounter %s failed: %s", self->encounter_id, error->message);
      set_error (self, error->message);
      update_subtitle (self, _("Not saved"));
      self->dirty = TRUE;
      if (self->closing)
        {
          /* never lose work: the window comes back with the message */
          self->closing = FALSE;
          gtk_window_present (GTK_WINDOW (self));
        }
      self->pending = SAVE_NONE;
      self->print_after_save = FALSE;
      return;
    }

  g_clear_pointer (&self->last_error, g_free);
  for (guint i = 0; i < self->diagnoses->len; i++)
    ((Diagnosis *) self->diagnoses->pdata[i])->saved = TRUE;
  for (guint i = 0; i < d->written_vitals->len; i++)
    {
      VitalField *f = d->written_vitals->pdata[i];
      f->saved = TRUE;
      f->saved_value = g_array_index (d->written_values, HcVitalValue, i);
    }
  for (guint i = 0; i < d->cleared_vitals->len; i++)
    {
      VitalField *f = d->cleared_vitals->pdata[i];
      f->saved = FALSE;
      g_clear_pointer (&f->observation_id, g_free);
    }
  if (d->kind == SAVE_DRAFT || d->kind == SAVE_SIGN)
    g_ptr_array_set_size (self->removed, 0);

  switch (d->kind)
    {
    case SAVE_SIGN:
      g_free (self->signed_at);
      self->signed_at = g_strdup (d->signed_at);
      g_free (self->signed_by);
      self->signed_by = g_strdup (hc_json_get_string (self->author, "display"));
      show_signed (self);
      /* Sign is gone: the keyboard goes on from what comes next, an addendum */
      gtk_widget_grab_focus (self->addendum_button);
      show_toast (self, _("Note signed"));
      break;
    case SAVE_ADDENDUM_SIGN:
      append_signed_addendum (self, d->addendum_text, hc_json_get_string (self->author, "display"),
                              d->signed_at);
      g_clear_pointer (&self->addendum_id, g_free);
      self->loading = TRUE;
      set_view_text (self->addendum_view, "");
      self->loading = FALSE;
      gtk_widget_set_visible (self->addendum_editor, FALSE);
      show_toast (self, _("Addendum signed"));
      update_subtitle (self, _("Signed, with addendum"));
      break;
    case SAVE_DRAFT:
    case SAVE_ADDENDUM_DRAFT:
      update_subtitle (self, _("Draft saved"));
      break;
    case SAVE_NONE:
    default:
      g_assert_not_reached ();
    }
  reload_chart (self);
  after_save (self);
}

static void
save (HcEncounterEditor *self,
      SaveKind           kind)
{
  g_autoptr(SaveData) d = NULL;
  g_autoptr(JsonArray) resources = NULL;
  g_autoptr(GError) error = NULL;

  if (!self->ready)
    return;
  if (hc_store_is_locked (self->store))
    return;   /* stays dirty: written after unlocking (lock_watch_cb) */
  if (self->saving)
    {
      self->pending = MAX (self->pending, kind);
      return;
    }
  g_clear_handle_id (&self->autosave_id, g_source_remove);

  d = g_new0 (SaveData, 1);
  d->self = g_object_ref (self);
  d->kind = kind;
  d->signed_at = hc_encounter_now ();
  d->written_vitals = g_ptr_array_new ();
  d->cleared_vitals = g_ptr_array_new ();
  d->written_values = g_array_new (FALSE, FALSE, sizeof (HcVitalValue));
  if (kind == SAVE_ADDENDUM_DRAFT || kind == SAVE_ADDENDUM_SIGN)
    resources = build_addendum (self, d, &error);
  else if (self->read_only)
    return;   /* the signed note is never written again */
  else
    resources = build_visit (self, d, &error);
  if (resources == NULL)
    {
      set_error (self, error->message);
      self->save_serial++;
      return;
    }
  self->dirty = FALSE;
  self->saving = TRUE;
  update_subtitle (self, _("Saving…"));
  hc_store_put_many_async (self->store, resources, self->cancellable, saved_cb,
                           g_steal_pointer (&d));
}

static SaveKind
draft_kind (HcEncounterEditor *self)
{
  if (!self->read_only)
    return SAVE_DRAFT;
  return self->addendum_id != NULL || gtk_widget_get_visible (self->addendum_editor)
         ? SAVE_ADDENDUM_DRAFT : SAVE_NONE;
}

static gboolean
autosave_cb (gpointer user_data)
{
  HcEncounterEditor *self = user_data;
  SaveKind kind = draft_kind (self);

  self->autosave_id = 0;
  if (self->dirty && kind != SAVE_NONE)
    save (self, kind);
  return G_SOURCE_REMOVE;
}

static void
mark_dirty (HcEncounterEditor *self)
{
  if (self->loading || !self->ready)
    return;
  if (self->read_only && !gtk_widget_get_visible (self->addendum_editor))
    return;
  self->dirty = TRUE;
  update_subtitle (self, _("Editing"));
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  self->autosave_id = g_timeout_add_seconds (AUTOSAVE_SECONDS, autosave_cb, self);
}

/* ------------------------------------------------------------------------------------------ */
/* Opening: the patient's unsigned encounter, else a new one */

static JsonObject *
chart_resource (JsonArray *chart,
                guint      i)
{
  JsonObject *entry = hc_json_array_get_object (chart, i);
  return entry ? hc_json_get_object (entry, "resource") : NULL;
}

static const char *
reference_of (JsonObject *object,
              const char *member)
{
  JsonObject *ref = hc_json_get_object (object, member);
  return ref ? hc_json_get_string (ref, "reference") : NULL;
}

static gboolean
has_type (JsonObject *r,
          const char *type)
{
  return r != NULL && g_strcmp0 (hc_json_get_string (r, "resourceType"), type) == 0;
}

static void
show_ready (HcEncounterEditor *self)
{
  if (self->note_id == NULL)
    self->note_id = hc_fhir_new_id ();
  self->ready = TRUE;
  gtk_stack_set_visible_child_name (self->stack, "editor");
  gtk_widget_grab_focus (GTK_WIDGET (self->section_views[HC_SOAP_SUBJECTIVE]));
}

/* Fills the fields from a stored unsigned encounter of the patient. */
static void
load_encounter (HcEncounterEditor *self,
                JsonArray         *chart,
                JsonObject        *encounter)
{
  g_autofree char *encounter_ref = NULL;
  JsonObject *period = hc_json_get_object (encounter, "period");
  JsonArray *diagnoses = hc_json_get_array (encounter, "diagnosis");

  self->loading = TRUE;
  self->encounter_id = g_strdup (hc_json_get_string (encounter, "id"));
  self->encounter_start = g_strdup (period ? hc_json_get_string (period, "start") : NULL);
  encounter_ref = g_strconcat ("Encounter/", self->encounter_id, NULL);

  for (guint i = 0; diagnoses != NULL && i < json_array_get_length (diagnoses); i++)
    {
      const char *ref = reference_of (hc_json_array_get_object (diagnoses, i), "condition");

      for (guint j = 0; ref != NULL && j < json_array_get_length (chart); j++)
        {
          JsonObject *r = chart_resource (chart, j);
          JsonObject *concept = r ? hc_json_get_object (r, "code") : NULL;
          JsonArray *coding = concept ? hc_json_get_array (concept, "coding") : NULL;
          JsonObject *c = coding ? hc_json_array_get_object (coding, 0) : NULL;
          Diagnosis *d;

          if (!has_type (r, "Condition") || c == NULL ||
              g_strcmp0 (ref + strlen ("Condition/"), hc_json_get_string (r, "id")) != 0)
            continue;
          d = g_new0 (Diagnosis, 1);
          d->code = g_strdup (hc_json_get_string (c, "code"));
          d->display = g_strdup (hc_json_get_string (c, "display")
                                 ? hc_json_get_string (c, "display") : "");
          d->condition = hc_json_object_copy (r);
          json_object_remove_member (d->condition, "meta");
          d->saved = TRUE;
          if (d->code == NULL)
            {
              diagnosis_free (d);
              break;
            }
          g_ptr_array_add (self->diagnoses, d);
          add_diagnosis_row (self, d);
          break;
        }
    }

  for (guint i = 0; i < json_array_get_length (chart); i++)
    {
      JsonObject *r = chart_resource (chart, i);
      HcVitalValue v;

      if (r == NULL || g_strcmp0 (reference_of (r, "encounter"), encounter_ref) != 0)
        continue;
      if (has_type (r, "Observation") && hc_vital_from_observation (r, &v))
        {
          if (v.kind == HC_VITAL_BMI)
            {
              g_free (self->bmi_id);
              self->bmi_id = g_strdup (hc_json_get_string (r, "id"));
            }
          else if (self->vitals[v.kind].observation_id == NULL)
            {
              g_autofree char *text = hc_vital_format (&v);
              VitalField *f = &self->vitals[v.kind];

              f->observation_id = g_strdup (hc_json_get_string (r, "id"));
              f->saved = TRUE;
              f->saved_value = v;
              gtk_editable_set_text (GTK_EDITABLE (f->entry), text);
            }
        }
      else if (has_type (r, "Composition") && self->note_id == NULL &&
               hc_json_get_array (r, "relatesTo") == NULL)
        {
          self->note_id = g_strdup (hc_json_get_string (r, "id"));
          for (int s = 0; s < HC_N_SOAP; s++)
            {
              g_autofree char *text = hc_note_get_section_text (r, hc_soap_section_title (s));
              set_view_text (self->section_views[s], text);
            }
        }
    }
  update_bmi (self);
  self->loading = FALSE;
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HcEncounterEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) stored = hc_store_put_finish (HC_STORE (source), result, &error);

  if (stored == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  update_subtitle (self, _("New encounter"));
  show_ready (self);
  reload_chart (self);
}

static void
chart_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HcEncounterEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) chart = hc_store_list_chart_finish (HC_STORE (source), result, &error);
  g_autoptr(JsonObject) encounter = NULL;

  if (chart == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  /* newest first: the first unfinished encounter is the one to continue */
  for (guint i = 0; i < json_array_get_length (chart); i++)
    {
      JsonObject *r = chart_resource (chart, i);
      if (has_type (r, "Encounter") &&
          g_strcmp0 (hc_json_get_string (r, "status"), "in-progress") == 0)
        {
          load_encounter (self, chart, r);
          update_subtitle (self, _("Unsigned draft, continued"));
          show_ready (self);
          return;
        }
    }

  self->encounter_id = hc_fhir_new_id ();
  self->encounter_start = hc_encounter_now ();
  encounter = hc_encounter_build (self->encounter_id, "in-progress",
                                  hc_patient_get_id (self->patient), self->author,
                                  self->encounter_start, NULL, NULL);
  hc_store_put_async (self->store, encounter, self->cancellable, created_cb,
                      g_object_ref (self));
}

/* The signer known, the chart is read: an encounter to continue, or a new one. */
static void
author_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcEncounterEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  self->author = hc_author_lookup_finish (result, &error);
  if (self->author == NULL)
    return;     /* only a cancelled lookup ends without an author */
  hc_store_list_chart_async (self->store, hc_patient_get_id (self->patient), chart_types,
                             self->cancellable, chart_loaded_cb, g_object_ref (self));
}

static void
start (HcEncounterEditor *self)
{
  g_autofree char *title = NULL;

  /* Translators: the encounter editor's title: the patient's name */
  title = g_strdup_printf (_("Encounter: %s"), hc_patient_get_display_name (self->patient));
  adw_window_title_set_title (self->window_title, title);
  gtk_window_set_title (GTK_WINDOW (self), title);
  build_insert_menu (self);
  /* the signer is the Housecall login, which the store keeps: read off the UI thread */
  hc_author_lookup_async (self->store, self->cancellable, author_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------------------------------ */
/* Actions */

/* Selects the next blank (___) of the note, from the cursor of @from (with @after_cursor, else
 * from its start) through the parts after it, then around; focuses its part. FALSE: none. */
static gboolean
select_next_blank (HcEncounterEditor *self,
                   GtkTextView       *from,
                   gboolean           after_cursor)
{
  int first = 0;

  for (int s = 0; s < HC_N_SOAP; s++)
    if (self->section_views[s] == from)
      first = s;
  for (int i = 0; i <= HC_N_SOAP; i++)
    {
      GtkTextView *view = self->section_views[(first + i) % HC_N_SOAP];
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
      GtkTextIter start, match_start, match_end;

      if (!gtk_text_view_get_editable (view))
        continue;
      if (i == 0 && after_cursor)
        {
          /* past the selection, so a selected blank moves on to the next */
          GtkTextIter sel_start;
          gtk_text_buffer_get_selection_bounds (buffer, &sel_start, &start);
        }
      else
        gtk_text_buffer_get_start_iter (buffer, &start);
      if (i == HC_N_SOAP && !after_cursor)
        break;
      if (gtk_text_iter_forward_search (&start, BLANK, GTK_TEXT_SEARCH_TEXT_ONLY, &match_start,
                                        &match_end, NULL))
        {
          gtk_text_buffer_select_range (buffer, &match_start, &match_end);
          gtk_text_view_scroll_to_iter (view, &match_start, 0.1, FALSE, 0, 0);
          gtk_widget_grab_focus (GTK_WIDGET (view));
          self->last_view = view;
          return TRUE;
        }
    }
  return FALSE;
}

static void
apply_template_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (widget);
  const HcNoteTemplate *t = hc_encounter_data_find_template (self->data,
                                                             g_variant_get_string (parameter, NULL));
  const char *texts[HC_N_SOAP];

  if (t == NULL || self->read_only)
    return;
  texts[HC_SOAP_SUBJECTIVE] = t->subjective;
  texts[HC_SOAP_OBJECTIVE] = t->objective;
  texts[HC_SOAP_ASSESSMENT] = t->assessment;
  texts[HC_SOAP_PLAN] = t->plan;
  /* empty parts are filled; text already typed stays, the template's goes after it */
  for (int s = 0; s < HC_N_SOAP; s++)
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->section_views[s]);
      g_autofree char *current = buffer_text (self->section_views[s]);
      GtkTextIter end;

      if (texts[s][0] == '\0')
        continue;
      gtk_text_buffer_get_end_iter (buffer, &end);
      if (!is_blank (current))
        gtk_text_buffer_insert (buffer, &end, "\n", -1);
      gtk_text_buffer_insert (buffer, &end, texts[s], -1);
    }
  /* the template's first blank, ready to be typed over */
  select_next_blank (self, self->section_views[HC_SOAP_SUBJECTIVE], FALSE);
}

static void
next_blank_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (widget);

  if (!select_next_blank (self, self->last_view, TRUE))
    show_toast (self, _("No blanks (___) left in the note"));
}

static void
insert_snippet_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (widget);
  const char *trigger = g_variant_get_string (parameter, NULL);
  GtkTextView *view = self->last_view;

  if (!gtk_text_view_get_editable (view))
    return;
  for (guint i = 0; i < hc_encounter_data_get_n_snippets (self->data); i++)
    {
      const HcSnippet *s = hc_encounter_data_get_snippet (self->data, i);
      if (strcmp (s->trigger, trigger) == 0)
        {
          gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (view), s->text, -1);
          gtk_widget_grab_focus (GTK_WIDGET (view));
          return;
        }
    }
}

static void
save_draft_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (widget);
  SaveKind kind = draft_kind (self);

  if (kind != SAVE_NONE)
    save (self, kind);
}

static void
sign_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  save (HC_ENCOUNTER_EDITOR (widget), SAVE_SIGN);
}

static void
add_addendum_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (widget);

  if (!self->read_only)
    return;
  gtk_widget_set_visible (self->addendum_editor, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->addendum_view));
}

static void
sign_addendum_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (widget);

  if (self->read_only && gtk_widget_get_visible (self->addendum_editor))
    save (self, SAVE_ADDENDUM_SIGN);
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (widget);
  SaveKind kind = draft_kind (self);

  /* print what the store has: unsaved typing is saved first */
  if ((self->dirty && kind != SAVE_NONE) || self->saving)
    {
      self->print_after_save = TRUE;
      if (!self->saving)
        save (self, kind);
      return;
    }
  print_summary (self);
}

/* ------------------------------------------------------------------------------------------ */
/* Printing, shared by the editor and win.print-summary */

static void
window_printed (GtkWindow    *window,
                const GError *error)
{
  guint serial = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (window), "hc-print-serial"));

  g_object_set_data_full (G_OBJECT (window), "hc-print-error",
                          error ? g_strdup (error->message) : NULL, g_free);
  g_object_set_data (G_OBJECT (window), "hc-print-serial", GUINT_TO_POINTER (serial + 1));
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GtkWidget *dialog = adw_message_dialog_new (window, _("The Visit Summary Was Not Printed"),
                                                   error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
printed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GtkWindow) window = user_data;
  g_autoptr(GError) error = NULL;

  hc_visit_print_finish (result, &error);
  window_printed (window, error);
}

static void
print_for_window (GtkWindow  *window,
                  HcStore    *store,
                  HcPatient  *patient,
                  const char *encounter_id)
{
  const char *export_path = g_object_get_data (G_OBJECT (window), "hc-summary-export-path");

  hc_visit_print_async (window, store, patient, encounter_id, export_path, NULL, printed_cb,
                        g_object_ref (window));
}

static void
print_summary (HcEncounterEditor *self)
{
  g_autoptr(GtkWidget) window = g_weak_ref_get (&self->main_window);

  /* the export path and the counters live on the main window, where tests look */
  print_for_window (window ? GTK_WINDOW (window) : GTK_WINDOW (self), self->store, self->patient,
                    self->encounter_id);
}

/* ------------------------------------------------------------------------------------------ */
/* The store's lock */

static gboolean
input_cb (GtkEventControllerLegacy *controller,
          GdkEvent                 *event,
          HcEncounterEditor        *self)
{
  g_autoptr(GtkWidget) window = g_weak_ref_get (&self->main_window);

  /* typing a note is activity: the main window must not auto-lock under it */
  if (window != NULL && HC_IS_WINDOW (window))
    hc_window_note_activity (HC_WINDOW (window));
  return GDK_EVENT_PROPAGATE;
}

static gboolean
lock_watch_cb (gpointer user_data)
{
  HcEncounterEditor *self = user_data;
  gboolean locked = hc_store_is_locked (self->store);

  if (locked && !self->hidden_by_lock && gtk_widget_get_visible (GTK_WIDGET (self)))
    {
      /* the chart is locked: the note goes out of sight with it; what was typed stays here
       * and is saved after unlocking */
      self->hidden_by_lock = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
    }
  else if (!locked && self->hidden_by_lock)
    {
      self->hidden_by_lock = FALSE;
      gtk_window_present (GTK_WINDOW (self));
      if (self->dirty && draft_kind (self) != SAVE_NONE)
        save (self, draft_kind (self));
    }
  else if (!locked && self->closing && self->dirty && !self->saving &&
           draft_kind (self) != SAVE_NONE)
    save (self, draft_kind (self));   /* closed while locked: the draft goes now */
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------------------------ */
/* GObject */

static gboolean
hc_encounter_editor_close_request (GtkWindow *window)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (window);
  SaveKind kind = draft_kind (self);

  if (self->closing)
    return TRUE;
  if ((self->dirty && kind != SAVE_NONE) || self->saving)
    {
      /* never lose work: the draft is written, then the window goes */
      self->closing = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      if (!self->saving)
        save (self, kind);
      return TRUE;
    }
  return GTK_WINDOW_CLASS (hc_encounter_editor_parent_class)->close_request (window);
}

static void
hc_encounter_editor_dispose (GObject *object)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (object);

  g_clear_handle_id (&self->autosave_id, g_source_remove);
  g_clear_handle_id (&self->fit_id, g_source_remove);
  g_clear_handle_id (&self->lock_watch_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_ENCOUNTER_EDITOR);
  G_OBJECT_CLASS (hc_encounter_editor_parent_class)->dispose (object);
}

static void
hc_encounter_editor_finalize (GObject *object)
{
  HcEncounterEditor *self = HC_ENCOUNTER_EDITOR (object);

  g_clear_object (&self->store);
  g_clear_object (&self->patient);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->data, hc_encounter_data_unref);
  g_weak_ref_clear (&self->main_window);
  g_clear_pointer (&self->author, json_object_unref);
  g_free (self->encounter_id);
  g_free (self->encounter_start);
  g_free (self->note_id);
  g_free (self->bmi_id);
  g_ptr_array_unref (self->diagnoses);
  g_ptr_array_unref (self->removed);
  for (int k = 0; k < HC_VITAL_BMI; k++)
    {
      g_free (self->vitals[k].error);
      g_free (self->vitals[k].observation_id);
    }
  g_free (self->addendum_id);
  g_free (self->signed_by);
  g_free (self->signed_at);
  g_free (self->last_error);
  G_OBJECT_CLASS (hc_encounter_editor_parent_class)->finalize (object);
}

static void
hc_encounter_editor_class_init (HcEncounterEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = hc_encounter_editor_dispose;
  object_class->finalize = hc_encounter_editor_finalize;
  window_class->close_request = hc_encounter_editor_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-encounter-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, insert_button);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, sign_button);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, signed_bar);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, signed_label);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, addendum_button);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, stack);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, error_page);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, note_box);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, addenda_box);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, addendum_editor);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, addendum_view);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, vitals_grid);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, diagnosis_list);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, diagnosis_search);
  gtk_widget_class_bind_template_child (widget_class, HcEncounterEditor, diagnosis_results);
  gtk_widget_class_bind_template_callback (widget_class, diagnosis_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, diagnosis_search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, diagnosis_result_activated_cb);

  gtk_widget_class_install_action (widget_class, "editor.apply-template", "s",
                                   apply_template_action);
  gtk_widget_class_install_action (widget_class, "editor.insert-snippet", "s",
                                   insert_snippet_action);
  gtk_widget_class_install_action (widget_class, "editor.remove-diagnosis", "s",
                                   remove_diagnosis_action);
  gtk_widget_class_install_action (widget_class, "editor.save-draft", NULL, save_draft_action);
  gtk_widget_class_install_action (widget_class, "editor.sign", NULL, sign_action);
  gtk_widget_class_install_action (widget_class, "editor.add-addendum", NULL, add_addendum_action);
  gtk_widget_class_install_action (widget_class, "editor.sign-addendum", NULL,
                                   sign_addendum_action);
  gtk_widget_class_install_action (widget_class, "editor.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "editor.next-blank", NULL, next_blank_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "editor.save-draft", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "editor.sign", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "editor.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, GDK_CONTROL_MASK,
                                       "editor.next-blank", NULL);
}

static void
hc_encounter_editor_init (HcEncounterEditor *self)
{
  GtkEventController *controller;
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->diagnoses = g_ptr_array_new_with_free_func (diagnosis_free);
  self->removed = g_ptr_array_new_with_free_func (diagnosis_free);
  g_weak_ref_init (&self->main_window, NULL);
  build_sections (self);
  build_vitals (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.add-addendum", FALSE);

  placeholder = gtk_label_new (_("No diagnoses yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 10);
  gtk_widget_set_margin_bottom (placeholder, 10);
  gtk_list_box_set_placeholder (self->diagnosis_list, placeholder);
  gtk_stack_set_visible_child_name (self->stack, "loading");

  controller = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "event", G_CALLBACK (input_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
  self->lock_watch_id = g_timeout_add_seconds (1, lock_watch_cb, self);
}

/* ------------------------------------------------------------------------------------------ */
/* Public API */

static void
free_weak_ref (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

HcEncounterEditor *
hc_encounter_editor_open (GtkWindow *window)
{
  HcPatient *patient;
  HcStore *store;
  HcEncounterEditor *self;
  g_autoptr(HcEncounterData) data = NULL;
  g_autoptr(GError) error = NULL;
  GWeakRef *ref;

  g_return_val_if_fail (HC_IS_WINDOW (window), NULL);

  patient = hc_window_get_patient (HC_WINDOW (window));
  store = hc_window_get_store (HC_WINDOW (window));
  if (patient == NULL || store == NULL)
    return NULL;

  /* one editor per patient: asking again shows the one already open */
  self = _hc_encounter_editor_get_for_window (window);
  if (self != NULL && !self->closing &&
      g_strcmp0 (hc_patient_get_id (self->patient), hc_patient_get_id (patient)) == 0)
    {
      gtk_window_present (GTK_WINDOW (self));
      return self;
    }

  data = shared_data (&error);
  if (data == NULL)
    {
      GtkWidget *dialog = adw_message_dialog_new (window, _("The Encounter Could Not Be Opened"),
                                                   error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return NULL;
    }

  /* a window of the application: closing the main window does not end the program (and
   * the draft) while the editor is open */
  self = g_object_new (HC_TYPE_ENCOUNTER_EDITOR,
                       "transient-for", window,
                       "application", gtk_window_get_application (window),
                       NULL);
  self->store = g_object_ref (store);
  self->patient = g_object_ref (patient);
  self->data = g_steal_pointer (&data);
  g_weak_ref_set (&self->main_window, window);

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  g_object_set_data_full (G_OBJECT (window), "hc-encounter-editor", ref, free_weak_ref);

  start (self);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

HcPatient *
hc_encounter_editor_get_patient (HcEncounterEditor *self)
{
  g_return_val_if_fail (HC_IS_ENCOUNTER_EDITOR (self), NULL);
  return self->patient;
}

const char *
hc_encounter_editor_get_encounter_id (HcEncounterEditor *self)
{
  g_return_val_if_fail (HC_IS_ENCOUNTER_EDITOR (self), NULL);
  return self->encounter_id;
}

static void
new_encounter_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  hc_encounter_editor_open (GTK_WINDOW (widget));
}

static void
print_summary_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);
  HcPatient *patient = hc_window_get_patient (HC_WINDOW (window));
  HcEncounterEditor *editor = _hc_encounter_editor_get_for_window (window);

  if (patient == NULL)
    return;
  if (editor != NULL && editor->encounter_id != NULL &&
      g_strcmp0 (hc_patient_get_id (editor->patient), hc_patient_get_id (patient)) == 0)
    {
      print_action (GTK_WIDGET (editor), NULL, NULL);
      return;
    }
  print_for_window (window, hc_window_get_store (HC_WINDOW (window)), patient, NULL);
}

void
hc_encounter_editor_install_window_actions (GtkWidgetClass *window_class)
{
  gtk_widget_class_install_action (window_class, "win.new-encounter", NULL, new_encounter_action);
  gtk_widget_class_install_action (window_class, "win.print-summary", NULL, print_summary_action);
}

/* ------------------------------------------------------------------------------------------ */
/* For tests */

HcEncounterEditor *
_hc_encounter_editor_get_for_window (GtkWindow *window)
{
  GWeakRef *ref = g_object_get_data (G_OBJECT (window), "hc-encounter-editor");
  HcEncounterEditor *self = ref ? g_weak_ref_get (ref) : NULL;

  /* the window keeps the editor alive while it is shown (it is a toplevel) */
  if (self != NULL)
    g_object_unref (self);
  return self;
}

gboolean
_hc_encounter_editor_is_ready (HcEncounterEditor *self)
{
  return self->ready;
}

guint
_hc_encounter_editor_get_save_serial (HcEncounterEditor *self)
{
  return self->save_serial;
}

const char *
_hc_encounter_editor_get_last_error (HcEncounterEditor *self)
{
  return self->last_error;
}

const char *
_hc_encounter_editor_get_note_id (HcEncounterEditor *self)
{
  return self->note_id;
}

gboolean
_hc_encounter_editor_is_read_only (HcEncounterEditor *self)
{
  return self->read_only;
}

GtkTextView *
_hc_encounter_editor_get_section_view (HcEncounterEditor *self,
                                       HcSoapSection      section)
{
  return self->section_views[section];
}

GtkTextView *
_hc_encounter_editor_get_addendum_view (HcEncounterEditor *self)
{
  return self->addendum_view;
}

GtkEditable *
_hc_encounter_editor_get_vital_entry (HcEncounterEditor *self,
                                      HcVital            kind)
{
  return GTK_EDITABLE (self->vitals[kind].entry);
}

const char *
_hc_encounter_editor_get_vital_error (HcEncounterEditor *self,
                                      HcVital            kind)
{
  return self->vitals[kind].error;
}

GtkEditable *
_hc_encounter_editor_get_diagnosis_search (HcEncounterEditor *self)
{
  return GTK_EDITABLE (self->diagnosis_search);
}

GtkListBox *
_hc_encounter_editor_get_diagnosis_results (HcEncounterEditor *self)
{
  return self->diagnosis_results;
}

char *
_hc_encounter_editor_get_diagnosis_codes (HcEncounterEditor *self)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < self->diagnoses->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, ((Diagnosis *) self->diagnoses->pdata[i])->code);
    }
  return g_string_free (out, FALSE);
}

void
_hc_encounter_set_summary_export_path (GtkWindow  *window,
                                       const char *path)
{
  g_object_set_data_full (G_OBJECT (window), "hc-summary-export-path", g_strdup (path), g_free);
}

guint
_hc_encounter_get_print_serial (GtkWindow *window)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (window), "hc-print-serial"));
}

const char *
_hc_encounter_get_print_error (GtkWindow *window)
{
  return g_object_get_data (G_OBJECT (window), "hc-print-error");
}
