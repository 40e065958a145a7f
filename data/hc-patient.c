/* hc-patient.c: a patient row of a search result
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-patient"

#include "config.h"

#include "hc-patient.h"

struct _HcPatient
{
  GObject parent_instance;

  char *id;
  char *family;
  char *given;
  char *birth_date;
  char *gender;
  char *mrn;
  char *phone;
  char *display_name;
};

G_DEFINE_FINAL_TYPE (HcPatient, hc_patient, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_FAMILY,
  PROP_GIVEN,
  PROP_BIRTH_DATE,
  PROP_GENDER,
  PROP_MRN,
  PROP_PHONE,
  PROP_DISPLAY_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
hc_patient_finalize (GObject *object)
{
  HcPatient *self = HC_PATIENT (object);

  g_free (self->id);
  g_free (self->family);
  g_free (self->given);
  g_free (self->birth_date);
  g_free (self->gender);
  g_free (self->mrn);
  g_free (self->phone);
  g_free (self->display_name);

  G_OBJECT_CLASS (hc_patient_parent_class)->finalize (object);
}

static void
hc_patient_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  HcPatient *self = HC_PATIENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_FAMILY:
      g_value_set_string (value, self->family);
      break;
    case PROP_GIVEN:
      g_value_set_string (value, self->given);
      break;
    case PROP_BIRTH_DATE:
      g_value_set_string (value, self->birth_date);
      break;
    case PROP_GENDER:
      g_value_set_string (value, self->gender);
      break;
    case PROP_MRN:
      g_value_set_string (value, self->mrn);
      break;
    case PROP_PHONE:
      g_value_set_string (value, self->phone);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, hc_patient_get_display_name (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_patient_class_init (HcPatientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hc_patient_finalize;
  object_class->get_property = hc_patient_get_property;

#define READ_ONLY_STRING(id, name, blurb) \
  properties[id] = g_param_spec_string (name, NULL, blurb, NULL, \
                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)
  READ_ONLY_STRING (PROP_ID, "id", "The Patient resource id");
  READ_ONLY_STRING (PROP_FAMILY, "family", "Family name");
  READ_ONLY_STRING (PROP_GIVEN, "given", "Given names");
  READ_ONLY_STRING (PROP_BIRTH_DATE, "birth-date", "Birth date (YYYY-MM-DD)");
  READ_ONLY_STRING (PROP_GENDER, "gender", "Administrative gender");
  READ_ONLY_STRING (PROP_MRN, "mrn", "Medical record number");
  READ_ONLY_STRING (PROP_PHONE, "phone", "First phone number");
  READ_ONLY_STRING (PROP_DISPLAY_NAME, "display-name", "Family, Given");
#undef READ_ONLY_STRING

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hc_patient_init (HcPatient *self)
{
}

HcPatient *
hc_patient_new (const char *id,
                const char *family,
                const char *given,
                const char *birth_date,
                const char *gender,
                const char *mrn,
                const char *phone)
{
  HcPatient *self = g_object_new (HC_TYPE_PATIENT, NULL);

  self->id = g_strdup (id);
  self->family = g_strdup (family);
  self->given = g_strdup (given);
  self->birth_date = g_strdup (birth_date);
  self->gender = g_strdup (gender);
  self->mrn = g_strdup (mrn);
  self->phone = g_strdup (phone);
  return self;
}

const char *
hc_patient_get_id (HcPatient *self)
{
  g_return_val_if_fail (HC_IS_PATIENT (self), NULL);
  return self->id;
}

const char *
hc_patient_get_family (HcPatient *self)
{
  g_return_val_if_fail (HC_IS_PATIENT (self), NULL);
  return self->family;
}

const char *
hc_patient_get_given (HcPatient *self)
{
  g_return_val_if_fail (HC_IS_PATIENT (self), NULL);
  return self->given;
}

const char *
hc_patient_get_birth_date (HcPatient *self)
{
  g_return_val_if_fail (HC_IS_PATIENT (self), NULL);
  return self->birth_date;
}

const char *
hc_patient_get_gender (HcPatient *self)
{
  g_return_val_if_fail (HC_IS_PATIENT (self), NULL);
  return self->gender;
}

const char *
hc_patient_get_mrn (HcPatient *self)
{
  g_return_val_if_fail (HC_IS_PATIENT (self), NULL);
  return self->mrn;
}

const char *
hc_patient_get_phone (HcPatient *self)
{
  g_return_val_if_fail (HC_IS_PATIENT (self), NULL);
  return self->phone;
}

const char *
hc_patient_get_display_name (HcPatient *self)
{
  g_return_val_if_fail (HC_IS_PATIENT (self), NULL);

  if (self->display_name == NULL)
    {
      if (self->family && *self->family && self->given && *self->given)
        self->display_name = g_strdup_printf ("%s, %s", self->family, self->given);
      else if (self->family && *self->family)
        self->display_name = g_strdup (self->family);
      else if (self->given && *self->given)
        self->display_name = g_strdup (self->given);
      else
        self->display_name = g_strdup ("");
    }
  return self->display_name;
}
