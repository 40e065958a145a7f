/* hc-conflict-view.c: the conflict inbox: both versions of a record, side by side
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A conflict is a record changed here and on the server before either change reached the
 * other, where the merge rules (DESIGN.md §6) want a clinician to decide. The view lists them
 * as "Allergy for Anna Berg" and shows the selected one element by element in words, the
 * differing elements first and marked; Keep Mine, Keep Theirs or Edit Merged settle it.
 */

#define G_LOG_DOMAIN "hc-conflict-view"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hc-widget-util.h"
#include "hc-conflict-view.h"
#include "hc-entry-row.h"
#include "hc-merge.h"
#include "hc-record-text.h"
#include "hc-sync-engine.h"

struct _HcConflictView
{
  AdwBin          parent_instance;

  /* template widgets */
  GtkLabel       *intro;
  GtkListBox     *list;
  GtkWidget      *detail;
  GtkLabel       *detail_title;
  GtkLabel       *detail_info;
  GtkGrid        *grid;
  GtkWidget      *edit_button;

  /* owned */
  HcStore        *store;
  GCancellable   *cancellable;
  JsonArray      *conflicts;      /* what the list shows, with "patientName" added */
  GPtrArray      *differences;    /* char *: "Label: mine | theirs" of the selected one */
  GPtrArray      *kept;           /* char *: "Label: value (from …)", kept either way */
  guint           serial;
  guint           count;
  gboolean        refocus;        /* a resolution started with the focus in the view */

  /* borrowed */
  GtkWidget      *edit_dialog;    /* weak */
};

G_DEFINE_FINAL_TYPE (HcConflictView, hc_conflict_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- helpers -------------------------------------------------------------------------------- */

static JsonObject *
member_object (JsonObject *object,
               const char *member)
{
  return object != NULL && json_object_has_member (object, member) &&
         JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, member))
         ? json_object_get_object_member (object, member) : NULL;
}

static const char *
member_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

static JsonArray *
conflict_elements (JsonObject *conflict)
{
  JsonNode *node = json_object_get_member (conflict, "elements");

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* The type of "Type/id" (a new string). */
static char *
conflict_type (JsonObject *conflict)
{
  const char *resource = member_string (conflict, "resource");
  const char *slash = resource ? strchr (resource, '/') : NULL;

  return slash ? g_strndup (resource, (gsize) (slash - resource)) : g_strdup (resource);
}

/* The top-level member of an element path: "Patient.telecom.use" → "telecom"; NULL for the
 * whole resource ("Patient"). */
static char *
top_member (const char *path)
{
  const char *start = path;
  const char *end;

  if (g_ascii_isupper (path[0]))
    {
      start = strchr (path, '.');
      if (start == NULL)
        return NULL;
      start++;
    }
  end = start + strcspn (start, ".[");
  return g_strndup (start, (gsize) (end - start));
}

static gboolean
same_value (JsonObject *a,
            JsonObject *b,
            const char *member)
{
  g_autofree char *ta = NULL;
  g_autofree char *tb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  ta = hc_merge_canonical_json (json_object_get_member (a, member));
  tb = hc_merge_canonical_json (json_object_get_member (b, member));
  return strcmp (ta, tb) == 0;
}

static char *
conflict_title (JsonObject *conflict)
{
  g_autofree char *type = conflict_type (conflict);
  const char *kind = hc_record_text_kind (type);
  const char *name = member_string (conflict, "patientName");

  if (name != NULL)
    /* Translators: a record and whose it is, e.g. "Allergy for Anna Berg" */
    return g_strdup_printf (_("%s for %s"), kind, name);
  return g_strdup (kind);
}

static char *
differing_labels (JsonObject *conflict)
{
  g_autofree char *type = conflict_type (conflict);
  JsonArray *elements = conflict_elements (conflict);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; elements != NULL && i < json_array_get_length (elements); i++)
    {
      g_autofree char *top = top_member (json_array_get_string_element (elements, i));
      g_autofree char *label = NULL;

      if (top == NULL)
        label = g_strdup (_("the whole record"));
      else
        label = hc_record_text_label (type, top);
      if (g_ptr_array_find_with_equal_func (seen, label, g_str_equal, NULL))
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, label);
      g_ptr_array_add (seen, g_steal_pointer (&label));
    }
  return g_strdup (text->str);
}

static GtkWidget *
cell (const char *text,
      const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_can_focus (label, FALSE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "conflict-cell");
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static char *
version_text (JsonObject *resource,
              const char *member,
              const char *missing)
{
  if (resource == NULL)
    return g_strdup (missing);
  return hc_record_text_value (member, json_object_get_member (resource, member));
}

/* A column heading, with when that version was saved under it if known. */
static GtkWidget *
version_heading (const char *title,
                 JsonObject *resource,
                 const char *missing)
{
  g_autofree char *when = hc_record_text_date (member_string (member_object (resource, "meta"),
                                                               "lastUpdated"));
  g_autofree char *saved = NULL;
  g_autofree char *markup = NULL;
  GtkWidget *label = cell (NULL, "conflict-heading");

  if (resource == NULL)
    saved = g_strdup (missing);
  else if (when != NULL)
    /* Translators: under "On the Server": when that version was saved */
    saved = g_strdup_printf (_("saved %s"), when);
  markup = saved != NULL ? g_markup_printf_escaped ("%s\n<span weight=\"normal\" size=\"small\">%s</span>",
                                                    title, saved)
                         : g_markup_escape_text (title, -1);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  return label;
}

/* ---- the selected conflict ------------------------------------------------------------------ */

static JsonObject *
selected_conflict (HcConflictView *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);
  int index;

  if (row == NULL || self->conflicts == NULL)
    return NULL;
  index = gtk_list_box_row_get_index (row);
  if (index < 0 || (guint) index >= json_array_get_length (self->conflicts))
    return NULL;
  return json_array_get_object_element (self->conflicts, index);
}

/* The two versions of a conflict and what each button would keep: Keep Mine and Keep Theirs
 * decide only the elements in conflict, and what one side alone changed stays either way
 * (hc_merge_resolve), so the view shows exactly what the choice is between. */
typedef struct
{
  JsonObject *local;        /* borrowed from the conflict; NULL when deleted here */
  JsonObject *remote;       /* borrowed; NULL when deleted on the server */
  JsonObject *keep_mine;    /* owned: the record after Keep Mine, NULL for a deletion */
  JsonObject *keep_theirs;  /* owned: after Keep Theirs */
  GPtrArray  *members;      /* char *: every element either version has, in display order */
} Versions;

static void
versions_init (Versions   *v,
               JsonObject *conflict)
{
  JsonObject *base = member_object (conflict, "base");

  v->local = member_object (conflict, "local");
  v->remote = member_object (conflict, "remote");
  v->keep_mine = hc_merge_resolve (base, v->local, v->remote, TRUE);
  v->keep_theirs = hc_merge_resolve (base, v->local, v->remote, FALSE);
  v->members = hc_record_text_elements (v->local ? v->local : v->remote);
  if (v->local != NULL && v->remote != NULL)
    {
      g_autoptr(GPtrArray) theirs = hc_record_text_elements (v->remote);

      for (guint i = 0; i < theirs->len; i++)
        if (!g_ptr_array_find_with_equal_func (v->members, theirs->pdata[i], g_str_equal, NULL))
          g_ptr_array_add (v->members, g_strdup (theirs->pdata[i]));
    }
}

static void
versions_clear (Versions *v)
{
  g_clear_pointer (&v->keep_mine, json_object_unref);
  g_clear_pointer (&v->keep_theirs, json_object_unref);
  g_clear_pointer (&v->members, g_ptr_array_unref);
}

/* Whether Keep Mine and Keep Theirs give @member different values. */
static gboolean
is_choice (Versions   *v,
           const char *member)
{
  return !same_value (v->keep_mine, v->keep_theirs, member);
}

/* Whether every element in conflict is text that a person can write: then Edit Merged. */
static GPtrArray *
editable_elements (Versions *v)
{
  g_autoptr(GPtrArray) editable = g_ptr_array_new_with_free_func (g_free);

  if (v->keep_mine == NULL || v->keep_theirs == NULL)
    return NULL;
  for (guint i = 0; i < v->members->len; i++)
    {
      const char *member = v->members->pdata[i];

      if (!is_choice (v, member))
        continue;
      if ((json_object_has_member (v->keep_mine, member) &&
           member_string (v->keep_mine, member) == NULL) ||
          (json_object_has_member (v->keep_theirs, member) &&
           member_string (v->keep_theirs, member) == NULL))
        return NULL;
      g_ptr_array_add (editable, g_strdup (member));
    }
  return editable->len > 0 ? g_steal_pointer (&editable) : NULL;
}

/* How an element of the selected conflict is shown: the choice between the versions, a change
 * one side made that stays whichever is kept, or the same in both. */
typedef enum
{
  ROW_CHOICE,
  ROW_KEPT,
  ROW_SAME,
} RowKind;

static void
add_section_heading (HcConflictView *self,
                     int             row,
                     const char     *text)
{
  GtkWidget *heading = cell (text, "conflict-section-heading");

  gtk_widget_add_css_class (heading, "dim-label");
  gtk_widget_add_css_class (heading, "caption-heading");
  gtk_grid_attach (self->grid, heading, 0, row, 3, 1);
}

static void
add_row (HcConflictView *self,
         int             row,
         RowKind         kind,
         const char     *label,
         const char     *mine,
         const char     *theirs)
{
  const char *css = kind == ROW_CHOICE ? "conflict-differs" : NULL;
  g_autofree char *marked = kind == ROW_CHOICE ? g_strconcat ("≠ ", label, NULL)
                                               : g_strdup (label);
  GtkWidget *name = cell (marked, css);

  gtk_widget_add_css_class (name, "conflict-label");
  gtk_widget_set_hexpand (name, FALSE);
  gtk_grid_attach (self->grid, name, 0, row, 1, 1);
  if (kind == ROW_CHOICE)
    {
      GtkWidget *a = cell (mine, css);
      GtkWidget *b = cell (theirs, css);

      gtk_accessible_update_property (GTK_ACCESSIBLE (name), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _("In conflict: choose which version to keep"), -1);
      gtk_grid_attach (self->grid, a, 1, row, 1, 1);
      gtk_grid_attach (self->grid, b, 2, row, 1, 1);
    }
  else
    {
      GtkWidget *both = cell (mine, NULL);

      if (kind == ROW_SAME)
        gtk_widget_add_css_class (both, "dim-label");
      else
        gtk_accessible_update_property (GTK_ACCESSIBLE (name),
                                        GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                        _("Changed on one side only, kept either way"), -1);
      gtk_grid_attach (self->grid, both, 1, row, 2, 1);
    }
}

static RowKind
row_kind (Versions   *v,
          const char *member)
{
  if (is_choice (v, member))
    return ROW_CHOICE;
  return same_value (v->local, v->remote, member) ? ROW_SAME : ROW_KEPT;
}

/* Which side a change kept either way came from, after its value. */
static char *
kept_text (Versions   *v,
           const char *member)
{
  g_autofree char *value = version_text (v->keep_mine, member, _("Deleted"));

  if (same_value (v->keep_mine, v->remote, member))
    /* Translators: a value kept from the server's version, e.g. "+49 30 555 — from the server" */
    return g_strdup_printf (_("%s — from the server"), value);
  if (same_value (v->keep_mine, v->local, member))
    /* Translators: a value kept from this computer's version */
    return g_strdup_printf (_("%s — from this computer"), value);
  /* Translators: a value that combines both versions' changes */
  return g_strdup_printf (_("%s — both changes combined"), value);
}

static void
show_conflict (HcConflictView *self,
               JsonObject     *conflict)
{
  g_autofree char *type = conflict_type (conflict);
  g_autofree char *title = conflict_title (conflict);
  g_autoptr(GPtrArray) editable = NULL;
  g_autoptr(GString) info = g_string_new (NULL);
  g_autofree RowKind *kinds = NULL;
  Versions v;
  int row = 1;

  gtk_label_set_label (self->detail_title, title);

  {
    g_autofree char *noticed = hc_record_text_date (member_string (conflict, "createdAt"));

    if (noticed != NULL)
      {
        g_string_append (info, info->len ? " " : "");
        /* Translators: %s is a date and time */
        g_string_append_printf (info, _("Noticed when syncing on %s."), noticed);
      }
  }
  gtk_label_set_label (self->detail_info, info->str);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_info), info->len > 0);

  g_ptr_array_set_size (self->differences, 0);
  g_ptr_array_set_size (self->kept, 0);
  hc_widget_remove_children (GTK_WIDGET (self->grid));
  versions_init (&v, conflict);
  gtk_grid_attach (self->grid, cell (_("Element"), "conflict-heading"), 0, 0, 1, 1);
  gtk_grid_attach (self->grid, version_heading (_("On This Computer"), v.local,
                                                _("deleted here")), 1, 0, 1, 1);
  gtk_grid_attach (self->grid, version_heading (_("On the Server"), v.remote,
                                                _("deleted on the server")), 2, 0, 1, 1);

  /* the elements in conflict first, then the changes kept either way, then the rest */
  kinds = g_new (RowKind, v.members->len);
  for (guint i = 0; i < v.members->len; i++)
    kinds[i] = row_kind (&v, v.members->pdata[i]);
  for (RowKind kind = ROW_CHOICE; kind <= ROW_SAME; kind++)
    {
      gboolean headed = FALSE;

      for (guint i = 0; i < v.members->len; i++)
        {
          const char *member = v.members->pdata[i];
          g_autofree char *label = NULL;
          g_autofree char *mine = NULL;
          g_autofree char *theirs = NULL;

          if (kinds[i] != kind || g_str_equal (member, "patient") ||
              g_str_equal (member, "subject"))
            continue;
          label = hc_record_text_label (type, member);
          if (kind == ROW_KEPT)
            mine = kept_text (&v, member);
          else
            {
              mine = version_text (v.keep_mine, member, _("Deleted"));
              theirs = version_text (v.keep_theirs, member, _("Deleted"));
            }
          if (!headed && kind != ROW_CHOICE)
            add_section_heading (self, row++, kind == ROW_KEPT
                                              ? _("Changed on one side only, kept either way")
                                              : _("Same in both versions"));
          headed = TRUE;
          add_row (self, row++, kind, label, mine, theirs);
          if (kind != ROW_SAME)
            {
              g_autofree char *line = kind == ROW_CHOICE
                                      ? g_strdup_printf ("%s: %s | %s", label, mine, theirs)
                                      : g_strdup_printf ("%s: %s", label, mine);

              g_strdelimit (line, "\n", ';');
              g_ptr_array_add (kind == ROW_CHOICE ? self->differences : self->kept,
                               g_steal_pointer (&line));
            }
        }
    }

  editable = editable_elements (&v);
  versions_clear (&v);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "conflicts.edit-merged", editable != NULL);
  gtk_widget_set_visible (self->edit_button, editable != NULL);
}

static void
row_selected_cb (HcConflictView *self,
                 GtkListBoxRow  *row,
                 GtkListBox     *list)
{
  JsonObject *conflict = selected_conflict (self);

  gtk_widget_set_visible (self->detail, conflict != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "conflicts.keep-mine", conflict != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "conflicts.keep-theirs", conflict != NULL);
  if (conflict == NULL)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "conflicts.edit-merged", FALSE);
      return;
    }
  show_conflict (self, conflict);
}

static void
set_count (HcConflictView *self,
           guint           count)
{
  if (self->count == count)
    return;
  self->count = count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COUNT]);
}

static void
show_conflicts (HcConflictView *self,
                JsonArray      *conflicts)
{
  guint n = json_array_get_length (conflicts);

  g_clear_pointer (&self->conflicts, json_array_unref);
  self->conflicts = json_array_ref (conflicts);
  hc_widget_remove_children (GTK_WIDGET (self->list));
  gtk_widget_set_visible (GTK_WIDGET (self->list), n > 0);
  gtk_label_set_label (self->intro,
                       n > 0 ? _("These records were changed here and on the server before "
                                 "either change reached the other. The elements in conflict are "
                                 "marked ≠ and listed first: keep one version of them. A change "
                                 "made on one side only is kept either way.")
                             : _("No open conflicts. Every change made here reached the "
                                 "server or merged cleanly."));

  for (guint i = 0; i < n; i++)
    {
      JsonObject *conflict = json_array_get_object_element (conflicts, i);
      g_autofree char *title = conflict_title (conflict);
      g_autofree char *joined = differing_labels (conflict);
      /* Translators: the parts of a record that differ, e.g. "Differs in: Birth date, Phone" */
      g_autofree char *subtitle = g_strdup_printf (_("Differs in: %s"), joined);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_append (self->list, row);
    }
  set_count (self, n);
  if (n > 0)
    gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
  else
    row_selected_cb (self, NULL, self->list);

  /* the button that settled it is disabled, and its row gone: the keyboard goes on from the
   * next conflict, or, with none left, from the patient search */
  if (self->refocus)
    {
      self->refocus = FALSE;
      if (n > 0)
        gtk_widget_grab_focus (GTK_WIDGET (gtk_list_box_get_row_at_index (self->list, 0)));
      else
        gtk_widget_activate_action (GTK_WIDGET (self), "patients.search", NULL);
    }
}

/* ---- loading -------------------------------------------------------------------------------- */

/* Adds "patientName" to each conflict, from the record itself or its Patient. */
static void
add_patient_names (HcStore      *store,
                   JsonArray    *conflicts,
                   GCancellable *cancellable)
{
  for (guint i = 0; i < json_array_get_length (conflicts); i++)
    {
      JsonObject *conflict = json_array_get_object_element (conflicts, i);
      JsonObject *version = member_object (conflict, "local") ? member_object (conflict, "local")
                                                              : member_object (conflict, "remote");
      g_autofree char *type = conflict_type (conflict);
      g_autofree char *patient_id = hc_record_text_patient_id (type, version);
      g_autoptr(JsonObject) patient = NULL;
      g_autofree char *name = NULL;

      if (patient_id == NULL)
        continue;
      if (g_strcmp0 (type, "Patient") == 0)
        patient = json_object_ref (version);
      else
        patient = hc_store_get_sync (store, "Patient", patient_id, cancellable, NULL);
      name = patient ? hc_record_text_person_name (patient) : NULL;
      if (name != NULL)
        json_object_set_string_member (conflict, "patientName", name);
    }
}

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  JsonArray *conflicts = hc_store_list_conflicts_sync (HC_STORE (source_object), FALSE,
                                                       cancellable, &error);

  if (conflicts == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  add_patient_names (HC_STORE (source_object), conflicts, cancellable);
  g_task_return_pointer (task, conflicts, (GDestroyNotify) json_array_unref);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HcConflictView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) conflicts = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->serial++;
  if (conflicts == NULL)
    {
      if (!g_error_matches (error, HC_STORE_ERROR, HC_STORE_ERROR_LOCKED))
        g_warning ("Listing conflicts failed: %s %d", g_quark_to_string (error->domain),
                   error->code);
      return;
    }
  show_conflicts (self, conflicts);
}

/* ---- resolving ------------------------------------------------------------------------------ */

typedef struct
{
  char              *id;
  HcStoreResolution  how;
  JsonObject        *merged;
} Resolve;

static void
resolve_free (gpointer data)
{
  Resolve *r = data;

  g_free (r->id);
  g_clear_pointer (&r->merged, json_object_unref);
  g_free (r);
}

static void
resolve_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Resolve *r = task_data;
  GError *error = NULL;

  if (hc_sync_resolve_conflict_sync (HC_STORE (source_object), r->id, r->how, r->merged,
                                     cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
resolved_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HcConflictView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Resolving a conflict failed: %s %d", g_quark_to_string (error->domain),
                 error->code);
      /* Translators: %s is a technical reason, in English */
      {
        g_autofree char *message = g_strdup_printf (_("The conflict could not be settled: %s"),
                                                    error->message);
        gtk_label_set_label (self->intro, message);
      }
    }
  hc_conflict_view_reload (self);
}

static void
resolve (HcConflictView    *self,
         HcStoreResolution  how,
         JsonObject        *merged)
{
  JsonObject *conflict = selected_conflict (self);
  g_autoptr(GTask) task = NULL;
  Resolve *r;

  if (conflict == NULL || self->store == NULL || hc_store_is_locked (self->store))
    return;
  r = g_new0 (Resolve, 1);
  r->id = g_strdup (member_string (conflict, "id"));
  r->how = how;
  r->merged = merged ? json_object_ref (merged) : NULL;
  {
    GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
    GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

    /* a dialog's response (Edit Merged) comes after its focus went back to the window */
    self->refocus = focus == NULL || gtk_widget_is_ancestor (focus, GTK_WIDGET (self));
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "conflicts.keep-mine", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "conflicts.keep-theirs", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "conflicts.edit-merged", FALSE);
  task = g_task_new (self->store, self->cancellable, resolved_cb, g_object_ref (self));
  g_task_set_source_tag (task, resolve);
  g_task_set_task_data (task, r, resolve_free);
  g_task_run_in_thread (task, resolve_thread);
}

static void
keep_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  resolve (HC_CONFLICT_VIEW (widget),
           g_str_equal (action_name, "conflicts.keep-mine") ? HC_STORE_RESOLVE_TAKE_LOCAL
                                                            : HC_STORE_RESOLVE_TAKE_REMOTE,
           NULL);
}

static void
edit_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  HcConflictView   *self)
{
  JsonObject *conflict = selected_conflict (self);
  GtkWidget *rows = adw_message_dialog_get_extra_child (dialog);
  Versions v;

  if (!g_str_equal (response, "save") || conflict == NULL)
    return;
  /* what was written replaces the elements in conflict; a change one side alone made stays */
  versions_init (&v, conflict);
  if (v.keep_mine == NULL)
    {
      versions_clear (&v);
      return;
    }
  for (GtkWidget *row = gtk_widget_get_first_child (rows); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      const char *member = g_object_get_data (G_OBJECT (row), "member");
      const char *text = gtk_editable_get_text (GTK_EDITABLE (row));

      if (member == NULL)
        continue;
      if (text == NULL || *text == '\0')
        json_object_remove_member (v.keep_mine, member);
      else
        json_object_set_string_member (v.keep_mine, member, text);
    }
  resolve (self, HC_STORE_RESOLVE_MERGED, v.keep_mine);
  versions_clear (&v);
}

static void
edit_merged_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  HcConflictView *self = HC_CONFLICT_VIEW (widget);
  JsonObject *conflict = selected_conflict (self);
  g_autoptr(GPtrArray) editable = NULL;
  g_autofree char *type = NULL;
  g_autofree char *title = NULL;
  GtkWidget *dialog, *rows;
  Versions v;

  if (conflict == NULL)
    return;
  versions_init (&v, conflict);
  editable = editable_elements (&v);
  versions_clear (&v);
  if (editable == NULL)
    return;
  type = conflict_type (conflict);
  title = conflict_title (conflict);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                   _("Edit Merged Version"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s: write what should stand. It replaces both versions "
                                    "and is sent to the server."), title);
  rows = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (rows), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (rows, "boxed-list");
  for (guint i = 0; i < editable->len; i++)
    {
      const char *member = editable->pdata[i];
      g_autofree char *label = hc_record_text_label (type, member);
      const char *mine = member_string (member_object (conflict, "local"), member);
      GtkWidget *row = hc_entry_row_new ();
      g_autofree char *date = hc_record_text_date (mine);

      if (date != NULL && strlen (mine) == 10)
        {
          /* Translators: how to type a date in a text field; keep YYYY-MM-DD as it is */
          g_autofree char *hint = g_strdup_printf (_("%s (YYYY-MM-DD)"), label);
          g_free (label);
          label = g_steal_pointer (&hint);
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
      gtk_editable_set_text (GTK_EDITABLE (row), mine ? mine : "");
      g_object_set_data_full (G_OBJECT (row), "member", g_strdup (member), g_free);
      gtk_list_box_append (GTK_LIST_BOX (rows), row);
    }
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), rows);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "save", _("_Keep This Version"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (edit_response_cb), self, 0);
  g_set_weak_pointer (&self->edit_dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- GObject -------------------------------------------------------------------------------- */

static void
hc_conflict_view_dispose (GObject *object)
{
  HcConflictView *self = HC_CONFLICT_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->edit_dialog);
  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_CONFLICT_VIEW);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hc_conflict_view_parent_class)->dispose (object);
}

static void
hc_conflict_view_finalize (GObject *object)
{
  HcConflictView *self = HC_CONFLICT_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->conflicts, json_array_unref);
  g_clear_pointer (&self->differences, g_ptr_array_unref);
  g_clear_pointer (&self->kept, g_ptr_array_unref);

  G_OBJECT_CLASS (hc_conflict_view_parent_class)->finalize (object);
}

static void
hc_conflict_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  HcConflictView *self = HC_CONFLICT_VIEW (object);

  switch (prop_id)
    {
    case PROP_COUNT:
      g_value_set_uint (value, self->count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_conflict_view_class_init (HcConflictViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  object_class->dispose = hc_conflict_view_dispose;
  object_class->finalize = hc_conflict_view_finalize;
  object_class->get_property = hc_conflict_view_get_property;

  /**
   * HcConflictView:count:
   *
   * How many open conflicts the list shows.
   */
  properties[PROP_COUNT] =
    g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HC_TYPE_ENTRY_ROW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-conflict-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HcConflictView, intro);
  gtk_widget_class_bind_template_child (widget_class, HcConflictView, list);
  gtk_widget_class_bind_template_child (widget_class, HcConflictView, detail);
  gtk_widget_class_bind_template_child (widget_class, HcConflictView, detail_title);
  gtk_widget_class_bind_template_child (widget_class, HcConflictView, detail_info);
  gtk_widget_class_bind_template_child (widget_class, HcConflictView, grid);
  gtk_widget_class_bind_template_child (widget_class, HcConflictView, edit_button);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);

  gtk_widget_class_install_action (widget_class, "conflicts.keep-mine", NULL, keep_action);
  gtk_widget_class_install_action (widget_class, "conflicts.keep-theirs", NULL, keep_action);
  gtk_widget_class_install_action (widget_class, "conflicts.edit-merged", NULL,
                                   edit_merged_action);

  /* the view's own look, also where no application loads style.css (tests) */
  gtk_css_provider_load_from_resource (css, "/org/housecall/Housecall/ui/hc-conflict-view.css");
  if (gdk_display_get_default () != NULL)
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
hc_conflict_view_init (HcConflictView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->differences = g_ptr_array_new_with_free_func (g_free);
  self->kept = g_ptr_array_new_with_free_func (g_free);
  row_selected_cb (self, NULL, self->list);
}

/* ---- public --------------------------------------------------------------------------------- */

void
hc_conflict_view_set_store (HcConflictView *self,
                            HcStore        *store)
{
  g_return_if_fail (HC_IS_CONFLICT_VIEW (self));
  g_return_if_fail (store == NULL || HC_IS_STORE (store));

  g_set_object (&self->store, store);
}

void
hc_conflict_view_reload (HcConflictView *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HC_IS_CONFLICT_VIEW (self));

  if (self->store == NULL || hc_store_is_locked (self->store))
    return;
  task = g_task_new (self->store, self->cancellable, loaded_cb, g_object_ref (self));
  g_task_set_source_tag (task, hc_conflict_view_reload);
  g_task_run_in_thread (task, list_thread);
}

void
hc_conflict_view_clear (HcConflictView *self)
{
  g_return_if_fail (HC_IS_CONFLICT_VIEW (self));

  /* loads in flight would bring the data back */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->edit_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->edit_dialog));
  g_clear_pointer (&self->conflicts, json_array_unref);
  g_ptr_array_set_size (self->differences, 0);
  g_ptr_array_set_size (self->kept, 0);
  hc_widget_remove_children (GTK_WIDGET (self->list));
  hc_widget_remove_children (GTK_WIDGET (self->grid));
  gtk_label_set_label (self->detail_title, "");
  gtk_label_set_label (self->detail_info, "");
  row_selected_cb (self, NULL, self->list);
}

guint
hc_conflict_view_get_count (HcConflictView *self)
{
  g_return_val_if_fail (HC_IS_CONFLICT_VIEW (self), 0);
  return self->count;
}

guint
_hc_conflict_view_get_serial (HcConflictView *self)
{
  return self->serial;
}

GtkListBox *
_hc_conflict_view_get_list (HcConflictView *self)
{
  return self->list;
}

const char *
_hc_conflict_view_get_title (HcConflictView *self)
{
  return gtk_label_get_label (self->detail_title);
}

static char *
describe_lines (GPtrArray *lines)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (s, "%s\n", (const char *) lines->pdata[i]);
  return g_string_free (s, FALSE);
}

char *
_hc_conflict_view_describe_differences (HcConflictView *self)
{
  return describe_lines (self->differences);
}

char *
_hc_conflict_view_describe_kept (HcConflictView *self)
{
  return describe_lines (self->kept);
}

GtkWidget *
_hc_conflict_view_get_edit_dialog (HcConflictView *self)
{
  return self->edit_dialog;
}
