#include "http/application.hpp"
